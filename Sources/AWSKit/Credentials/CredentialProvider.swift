/// A source of AWS credentials: the environment, the shared files, the container endpoint, the
/// instance metadata service. `nil` means "not configured here", so a chain moves on to the next source;
/// a thrown error means the source is configured but broken (a partial key, an unreachable endpoint).
public protocol CredentialProvider: Sendable {
    /// Short name for messages and logs (`environment`, `profile default`, `instance metadata`).
    var name: String { get }
    func credentials() async throws -> Credentials?
}

/// Credentials could not be had, with what was tried and why: never the secrets themselves.
public struct CredentialsError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Fixed credentials (tests, or keys given by flag).
public struct StaticCredentialProvider: CredentialProvider {
    public let name = "static"
    private let value: Credentials

    public init(_ credentials: Credentials) {
        value = credentials
    }

    public func credentials() async throws -> Credentials? { value }
}
