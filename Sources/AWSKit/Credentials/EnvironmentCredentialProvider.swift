/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the optional `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    private let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func credentials() async throws -> Credentials? {
        let keyId = environment["AWS_ACCESS_KEY_ID"].flatMap(nonEmpty)
        let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap(nonEmpty)
        switch (keyId, secret) {
        case (nil, nil):
            return nil
        case (let keyId?, let secret?):
            return Credentials(
                accessKeyId: keyId, secretAccessKey: secret,
                sessionToken: environment["AWS_SESSION_TOKEN"].flatMap(nonEmpty))
        case (nil, _):
            throw CredentialsError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (_, nil):
            throw CredentialsError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
    }
}

func nonEmpty(_ value: String) -> String? {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    return trimmed.isEmpty ? nil : trimmed
}
