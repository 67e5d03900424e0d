import Foundation
import Imaging

/// Output keys: `{dir}{name}-{width}x{height}.{ext}` by default, so `codelab-04/canyon.jpg` at 400x400
/// becomes `codelab-04/canyon-400x400.jpg`. Variables: `{dir}` (with its trailing `/`, or empty),
/// `{name}` (file name without extension), `{ext}` (the output's), `{width}`, `{height}` (the box
/// asked for; empty when not given), `{mode}`, `{key}` (the whole source key).
public enum KeyTemplate {
    public static let variables = ["dir", "name", "ext", "width", "height", "mode", "key"]

    public static func validate(_ template: String) throws {
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw Settings.InvalidSetting(key: "THUMBD_OUTPUT_KEY_TEMPLATE", message: "unclosed { in \"\(template)\"")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard variables.contains(name) else {
                throw Settings.InvalidSetting(
                    key: "THUMBD_OUTPUT_KEY_TEMPLATE",
                    message: "unknown variable {\(name)}; known: \(variables.map { "{\($0)}" }.joined(separator: " "))")
            }
            rest = rest[rest.index(after: close)...]
        }
        guard template.contains("{name}") || template.contains("{key}") else {
            throw Settings.InvalidSetting(key: "THUMBD_OUTPUT_KEY_TEMPLATE", message: "must contain {name} or {key}, or every source overwrites one key")
        }
    }

    public static func render(_ template: String, sourceKey: String, size: SizeRequest, format: OutputFormat) -> String {
        let slash = sourceKey.lastIndex(of: "/")
        let dir = slash.map { String(sourceKey[...$0]) } ?? ""
        let file = slash.map { String(sourceKey[sourceKey.index(after: $0)...]) } ?? sourceKey
        let name = file.lastIndex(of: ".").map { $0 == file.startIndex ? file : String(file[..<$0]) } ?? file
        var output = template
        for (variable, value) in [
            ("dir", dir), ("name", name), ("ext", format.fileExtension), ("width", size.width.map(String.init) ?? ""),
            ("height", size.height.map(String.init) ?? ""), ("mode", size.mode.rawValue), ("key", sourceKey),
        ] {
            output = output.replacingOccurrences(of: "{\(variable)}", with: value)
        }
        return output
    }

    /// Whether `template` can render a key that starts with `prefix` and ends with `suffix` (an S3
    /// notification filter), so that a watch of the output bucket would be sent our own thumbnails.
    /// Conservative: `{dir}`, `{name}`, `{key}`, `{width}` and `{height}` may be any text; `{ext}`
    /// and `{mode}` only their values. With one of those, the text before the first and after the
    /// last must each be compatible with the filter (one a prefix, or suffix, of the other).
    public static func canProduce(template: String, prefix: String, suffix: String) -> Bool {
        enum Piece {
            case text(String)
            case anything
        }
        var expansions: [[Piece]] = [[]]
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let literal = Piece.text(String(rest[..<open]))
            let values: [Piece]
            switch rest[rest.index(after: open)..<close] {
            case "ext": values = OutputFormat.allCases.map { .text($0.fileExtension) }
            case "mode": values = ResizeMode.allCases.map { .text($0.rawValue) }
            default: values = [.anything]
            }
            expansions = expansions.flatMap { pieces in values.map { pieces + [literal, $0] } }
            rest = rest[rest.index(after: close)...]
        }
        return expansions.contains { pieces in
            let pieces = pieces + [.text(String(rest))]
            func text(_ slice: ArraySlice<Piece>) -> String {
                slice.map { if case .text(let value) = $0 { value } else { "" } }.joined()
            }
            let isAnything = { (piece: Piece) -> Bool in if case .anything = piece { true } else { false } }
            guard let first = pieces.firstIndex(where: isAnything), let last = pieces.lastIndex(where: isAnything) else {
                let key = text(pieces[...])
                return key.hasPrefix(prefix) && key.hasSuffix(suffix)
            }
            let lead = text(pieces[..<first])
            let trail = text(pieces[(last + 1)...])
            return (lead.hasPrefix(prefix) || prefix.hasPrefix(lead)) && (trail.hasSuffix(suffix) || suffix.hasSuffix(trail))
        }
    }

    /// Whether `key` looks like something `template` produces: the S3-event recursion guard (a
    /// thumbnail written into the watched bucket must not be thumbnailed again).
    public static func matchesOutput(_ key: String, template: String) -> Bool {
        var pattern = "^"
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            pattern += NSRegularExpression.escapedPattern(for: String(rest[..<open]))
            switch rest[rest.index(after: open)..<close] {
            case "dir": pattern += "(?:.*/)?"
            case "name", "key": pattern += ".+"
            case "ext": pattern += "(?:" + Set(OutputFormat.allCases.map(\.fileExtension)).sorted().joined(separator: "|") + ")"
            case "width", "height": pattern += "[0-9]*"
            case "mode": pattern += "(?:fit|fill|force)"
            default: pattern += ".*"
            }
            rest = rest[rest.index(after: close)...]
        }
        pattern += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        return key.range(of: pattern, options: .regularExpression) != nil
    }
}
