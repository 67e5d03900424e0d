import Foundation

/// `KEY=VALUE` lines as systemd's `EnvironmentFile=` reads them, so one file serves the tools and the
/// unit: `#` and `;` start comment lines, values may be wrapped in single or double quotes, and an
/// optional `export ` prefix is accepted.
public enum ConfigFile {
    public static let defaultPath = "/etc/thumbd/thumbd.conf"

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ParseError(description: "cannot read the config file \(path)")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String = "config") throws -> [String: String] {
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(description: "\(source):\(number + 1): expected KEY=VALUE, found \"\(line)\"")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ParseError(description: "\(source):\(number + 1): \"\(key)\" is not a valid variable name")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}
