import Foundation

/// The JSON document in which the instance metadata service and the container endpoint both hand out
/// temporary credentials: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` (ISO 8601).
struct CredentialsDocument: Decodable {
    let Code: String?
    let AccessKeyId: String?
    let SecretAccessKey: String?
    let Token: String?
    let Expiration: String?

    static func parse(_ data: Data, source: String) throws -> Credentials {
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: data) else {
            throw CredentialsError("\(source) answered with something that is not a credentials document")
        }
        if let code = document.Code, code != "Success" {
            throw CredentialsError("\(source) refused credentials: \(code)")
        }
        guard let keyId = document.AccessKeyId, let secret = document.SecretAccessKey else {
            throw CredentialsError("\(source) answered without AccessKeyId and SecretAccessKey")
        }
        return Credentials(
            accessKeyId: keyId, secretAccessKey: secret, sessionToken: document.Token,
            expiration: document.Expiration.flatMap(parseISO8601))
    }
}

/// `2026-11-22T22:00:00Z`, with or without fractional seconds.
func parseISO8601(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)
}
