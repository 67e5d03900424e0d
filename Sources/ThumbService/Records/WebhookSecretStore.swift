import AWSKit
import Foundation

/// Each owner's webhook signing secret, in the jobs table (`whsecret#<owner>` items). A secret is
/// `whsec_` and the base64 of 32 random bytes; the HMAC key is the decoded bytes (the Standard
/// Webhooks specification, "Signature scheme"). A rotated-out secret still signs for
/// `rotationOverlap` (24 h) beside the new one, so receivers can switch without losing a delivery
/// (the specification lets `webhook-signature` carry several signatures).
public struct WebhookSecretStore: Sendable {
    public let dynamo: DynamoDBClient
    public let table: String

    public init(dynamo: DynamoDBClient, table: String) {
        self.dynamo = dynamo
        self.table = table
    }

    public static let prefix = "whsec_"
    public static let rotationOverlap: TimeInterval = 86_400

    /// An owner's secrets as delivery uses them.
    public struct Secrets: Sendable, Equatable {
        public let current: String
        /// The secret before the last rotation, while it still signs.
        public let previous: String?
    }

    static func itemKey(_ owner: String) -> DynamoDBItem { [JobsTable.partitionKey: .s("whsecret#\(owner)")] }

    /// A new secret: `whsec_` + base64 of 32 bytes from the system's CSPRNG.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Data(bytes).base64EncodedString()
    }

    /// The HMAC key of a secret (the bytes after `whsec_`, base64-decoded); nil when it is not one.
    public static func key(of secret: String) -> [UInt8]? {
        guard secret.hasPrefix(prefix), let data = Data(base64Encoded: String(secret.dropFirst(prefix.count))), data.count >= 24 else {
            return nil
        }
        return Array(data)
    }

    /// The owner's secrets, or nil when it has none.
    /// - Throws: `AWSServiceError`.
    public func secrets(owner: String, now: Date = Date()) async throws -> Secrets? {
        guard let item = try await dynamo.getItem(table: table, key: Self.itemKey(owner), consistentRead: true),
            let current = item["secret"]?.string
        else { return nil }
        var previous: String?
        if let old = item["previous_secret"]?.string, let until = item["previous_until"]?.string.flatMap(Timestamp.parse), now < until {
            previous = old
        }
        return Secrets(current: current, previous: previous)
    }

    /// The owner's secret, made if it has none (`thumbctl api-key create`).
    /// - Throws: `APIKeyStore.InvalidOwner`, `AWSServiceError`.
    public func ensure(owner: String, now: Date = Date()) async throws -> String {
        guard APIKeyStore.isValidOwner(owner) else { throw APIKeyStore.InvalidOwner(owner: owner) }
        let secret = Self.newSecret()
        do {
            try await dynamo.putItem(
                table: table,
                item: Self.itemKey(owner).merging(["owner": .s(owner), "secret": .s(secret), "created_at": .s(Timestamp.format(now))]) { a, _ in a },
                condition: "attribute_not_exists(#pk)", attributes: ExpressionAttributes(names: ["#pk": JobsTable.partitionKey]))
            return secret
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {
            guard let existing = try await secrets(owner: owner, now: now) else { throw error }
            return existing.current
        }
    }

    /// Replaces the owner's secret (`thumbctl webhook-secret rotate`); the old one keeps signing
    /// beside it for `rotationOverlap`.
    /// - Returns: the new secret, and until when the old one still signs (nil when there was none).
    /// - Throws: `APIKeyStore.InvalidOwner`, `AWSServiceError`.
    public func rotate(owner: String, now: Date = Date()) async throws -> (secret: String, previousValidUntil: Date?) {
        guard APIKeyStore.isValidOwner(owner) else { throw APIKeyStore.InvalidOwner(owner: owner) }
        let secret = Self.newSecret()
        let current = try await dynamo.getItem(table: table, key: Self.itemKey(owner), consistentRead: true)?["secret"]?.string
        var item = Self.itemKey(owner).merging(["owner": .s(owner), "secret": .s(secret), "created_at": .s(Timestamp.format(now))]) { a, _ in a }
        let until = current.map { _ in now.addingTimeInterval(Self.rotationOverlap) }
        if let current, let until {
            item["previous_secret"] = .s(current)
            item["previous_until"] = .s(Timestamp.format(until))
        }
        try await dynamo.putItem(table: table, item: item)
        return (secret, until)
    }
}
