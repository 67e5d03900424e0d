import AWSKit
import Foundation
import Logging
import Synchronization

/// One line per log event on stdout: JSON objects when stdout is not a terminal (journald,
/// cloud-init-output.log, log shippers), `key=value` text when it is. Metadata keys are stable and
/// dotted; values never include credentials (nothing that logs takes them).
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable { case json, text }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String
    let format: Format

    private static let output = Mutex(())

    public init(label: String, format: Format) {
        self.label = label
        self.format = format
    }

    /// json unless stdout is a terminal.
    public static func automaticFormat() -> Format {
        isatty(STDOUT_FILENO) == 1 ? .text : .json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let timestamp = Self.timestamp()
        let line: String
        switch format {
        case .json:
            var object: [String: JSONValue] = [
                "ts": .string(timestamp), "level": .string(event.level.rawValue), "msg": .string("\(event.message)"),
            ]
            for (key, value) in merged { object[key] = .string("\(value)") }
            line = String(decoding: JSONValue.object(object).data(), as: UTF8.self)
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoted("\($0.value)"))" }
            line = ([timestamp, event.level.rawValue.uppercased(), "\(event.message)"] + fields).joined(separator: " ")
        }
        Self.output.withLock { _ in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    /// Makes this handler the process's (once, at start): `THUMBD_LOG_FORMAT`'s format, `level`.
    public static func bootstrap(_ setting: Settings.LogFormat, level: Logger.Level) {
        let format: Format =
            switch setting {
            case .json: .json
            case .text: .text
            case .auto: automaticFormat()
            }
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
    }

    static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value
    }

    static func timestamp() -> String {
        let now = Date()
        var seconds = time_t(now.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(now.timeIntervalSince1970 * 1000) % 1000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
