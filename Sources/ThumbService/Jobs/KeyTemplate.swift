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
            case "ext": pattern += "(?:jpg|png)"
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
