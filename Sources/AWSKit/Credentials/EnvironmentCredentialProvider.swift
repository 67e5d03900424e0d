/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the optional `AWS_SESSION_TOKEN`.
///
/// The environment is read once, when the provider is made: a process's environment does not change
/// under it, and this runs before every signed request (trimming the values each time was a visible
/// part of a request's CPU).
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    private let resolved: Result<Credentials?, CredentialsError>

    public init(environment: [String: String]) {
        resolved = Result { () throws(CredentialsError) -> Credentials? in
            try keyPair(
                id: environment["AWS_ACCESS_KEY_ID"], secret: environment["AWS_SECRET_ACCESS_KEY"],
                token: environment["AWS_SESSION_TOKEN"], source: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
    }

    /// - Throws: `CredentialsError` when only one of the two keys is set.
    public func credentials() async throws -> Credentials? {
        try resolved.get()
    }
}

/// Credentials from an id, a secret and an optional token as a source gives them: `nil` when neither
/// key is set, an error naming `source` when only one is.
func keyPair(id: String?, secret: String?, token: String?, source: String) throws(CredentialsError) -> Credentials? {
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
