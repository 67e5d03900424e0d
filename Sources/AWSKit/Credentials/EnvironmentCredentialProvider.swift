/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the optional `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    private let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func credentials() async throws -> Credentials? {
        try keyPair(
            id: environment["AWS_ACCESS_KEY_ID"], secret: environment["AWS_SECRET_ACCESS_KEY"],
            token: environment["AWS_SESSION_TOKEN"], source: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    }
}

/// Credentials from an id, a secret and an optional token as a source gives them: `nil` when neither
/// key is set, an error naming `source` when only one is.
func keyPair(id: String?, secret: String?, token: String?, source: String) throws -> Credentials? {
    switch (id.flatMap(nonEmpty), secret.flatMap(nonEmpty)) {
    case (nil, nil):
        return nil
    case (let id?, let secret?):
        return Credentials(accessKeyId: id, secretAccessKey: secret, sessionToken: token.flatMap(nonEmpty))
    default:
        throw CredentialsError("only one of \(source) is set")
    }
}

func nonEmpty(_ value: String) -> String? {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    return trimmed.isEmpty ? nil : trimmed
}
