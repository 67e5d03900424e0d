import Foundation

/// The AWS shared files: `~/.aws/credentials` (sections `[name]`) and `~/.aws/config` (sections
/// `[profile name]`, and `[default]`), their paths overridable with `AWS_SHARED_CREDENTIALS_FILE` and
/// `AWS_CONFIG_FILE`, the profile chosen with `AWS_PROFILE`. Values from the credentials file win.
public struct SharedConfigFiles: Sendable {
    /// The chosen profile's name.
    public let profileName: String
    /// Whether the profile was asked for explicitly (then a missing profile is an error).
    public let profileIsExplicit: Bool
    /// Merged settings of the chosen profile, keys lower-cased.
    public let settings: [String: String]
    /// Whether the chosen profile appears in either file.
    public let profileExists: Bool

    public init(environment: [String: String], profile: String? = nil) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let credentialsPath = environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap(nonEmpty) ?? "\(home)/.aws/credentials"
        let configPath = environment["AWS_CONFIG_FILE"].flatMap(nonEmpty) ?? "\(home)/.aws/config"
        let explicit = profile ?? environment["AWS_PROFILE"].flatMap(nonEmpty)
        let name = explicit ?? "default"
        let config = Self.parse(Self.read(Self.expand(configPath, home: home)))
        let credentials = Self.parse(Self.read(Self.expand(credentialsPath, home: home)))
        let configSection = name == "default" ? (config["profile default"] ?? config["default"]) : config["profile \(name)"]
        var merged = configSection ?? [:]
        merged.merge(credentials[name] ?? [:]) { _, fromCredentials in fromCredentials }
        profileName = name
        profileIsExplicit = explicit != nil
        settings = merged
        profileExists = configSection != nil || credentials[name] != nil
    }

    /// INI as the AWS CLI reads it: `[section]`, `key = value`, full-line `#` and `;` comments,
    /// indented lines under a `key =` belong to a nested block (skipped: thumbd needs none of them).
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if rawLine.first == " " || rawLine.first == "\t" { continue }  // nested block value
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().split(whereSeparator: \.isWhitespace).joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            // An inline comment needs white space before `#` or `;`.
            if let comment = value.range(of: " #") ?? value.range(of: " ;") ?? value.range(of: "\t#") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            sections[section]?[key] = value
        }
        return sections
    }

    private static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    private static func expand(_ path: String, home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst() : path
    }
}

/// Static keys from the chosen profile of the shared files.
public struct ProfileCredentialProvider: CredentialProvider {
    public var name: String { "profile \(files.profileName)" }
    private let files: SharedConfigFiles

    public init(files: SharedConfigFiles) {
        self.files = files
    }

    public func credentials() async throws -> Credentials? {
        if !files.profileExists {
            if files.profileIsExplicit {
                throw CredentialsError("the profile \(files.profileName) is in neither ~/.aws/credentials nor ~/.aws/config")
            }
            return nil
        }
        return try keyPair(
            id: files.settings["aws_access_key_id"], secret: files.settings["aws_secret_access_key"],
            token: files.settings["aws_session_token"],
            source: "aws_access_key_id and aws_secret_access_key in the profile \(files.profileName)")
    }
}
