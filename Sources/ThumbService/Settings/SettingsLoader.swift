import Foundation

/// Reads the config file the way every command does: `--config FILE`, or /etc/thumbd/thumbd.conf
/// when it exists, or nothing.
public enum SettingsLoader {
    public static func source(flags: [String: String?], configPath: String?) throws -> Settings.Source {
        var file: [String: String] = [:]
        if let configPath {
            file = try ConfigFile.load(configPath)
        } else if FileManager.default.fileExists(atPath: ConfigFile.defaultPath) {
            file = try ConfigFile.load(ConfigFile.defaultPath)
        }
        return Settings.Source(
            flags: flags.compactMapValues { $0 }, environment: ProcessInfo.processInfo.environment, file: file)
    }
}
