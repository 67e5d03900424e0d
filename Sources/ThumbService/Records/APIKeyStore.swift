import AWSKit
import Foundation

/// API keys in the jobs table (`apikey#<id>` items, see `JobsTable`). A key is
/// `thk_<id>_<secret>`: the id (10 base32 characters) finds the item, and the item holds only the
/// SHA-256 of the whole key, compared in constant time. The key itself is shown once, at creation.
/// A revoked key fails from the next request on: every check is a consistent read.
public struct APIKeyStore: Sendable {
    public let dynamo: DynamoDBClient
    public let table: String

    public init(dynamo: DynamoDBClient, table: String) {
        self.dynamo = dynamo
        self.table = table
    }

    /// One key as listed (never the key).
    public struct Entry: Sendable, Equatable {
        public let id: String
        public let owner: String
        public let createdAt: Date
        public let revokedAt: Date?
    }

    public struct InvalidOwner: Error, CustomStringConvertible {
        public let owner: String
        public init(owner: String) { self.owner = owner }
        public var description: String {
            "an owner is 1 to 128 of letters, digits, . _ @ + and - (not \"\(owner.prefix(40))\")"
        }
    }

    static let indexPartition = "apikeys"
    static func itemKey(_ id: String) -> DynamoDBItem { [JobsTable.partitionKey: .s("apikey#\(id)")] }

    /// Owners name who jobs belong to: 1 to 128 of `A-Z a-z 0-9 . _ @ + -`.
    public static func isValidOwner(_ owner: String) -> Bool {
        (1...128).contains(owner.utf8.count) && owner.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._@+-".unicodeScalars.contains(scalar))
        }
    }

    /// Makes a key for `owner`: 10 random base32 characters of id and 32 random bytes of secret.
    /// - Returns: the entry and the key (to be shown once: only its SHA-256 is stored).
    /// - Throws: `InvalidOwner`, `AWSServiceError`.
    public func create(owner: String, at now: Date = Date()) async throws -> (entry: Entry, key: String) {
        guard Self.isValidOwner(owner) else { throw InvalidOwner(owner: owner) }
        var generator = SystemRandomNumberGenerator()
        func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        let id = Base32.encode(random(7)).lowercased().prefix(10)
        let key = "thk_\(id)_\(Base32.encode(random(32)).lowercased())"
        let created = Timestamp.format(now)
        try await dynamo.putItem(
            table: table,
            item: Self.itemKey(String(id)).merging([
                "key_id": .s(String(id)), "owner": .s(owner), "created_at": .s(created),
                "key_sha256": .s(Hashing.sha256Hex(key)),
                JobsTable.indexPartition: .s(Self.indexPartition), JobsTable.indexSort: .s(created),
            ]) { first, _ in first },
            condition: "attribute_not_exists(#pk)", attributes: ExpressionAttributes(names: ["#pk": JobsTable.partitionKey]))
        return (Entry(id: String(id), owner: owner, createdAt: now, revokedAt: nil), key)
    }

    /// The owner of a valid, unrevoked key; `nil` for anything else (malformed, unknown, wrong secret,
    /// revoked), with no hint which.
    /// - Throws: `AWSServiceError` when the table cannot be read.
    public func owner(ofKey key: String) async throws -> String? {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard key.utf8.count <= 128, parts.count == 3, parts[0] == "thk", parts[1].count == 10,
            parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        guard let item = try await dynamo.getItem(table: table, key: Self.itemKey(String(parts[1])), consistentRead: true),
            let stored = item["key_sha256"]?.string, let owner = item["owner"]?.string
        else { return nil }
        guard Self.constantTimeEqual(Array(stored.utf8), Array(Hashing.sha256Hex(key).utf8)), item["revoked_at"] == nil else {
            return nil
        }
        return owner
    }

    /// Every key, newest first.
    /// - Throws: `AWSServiceError`.
    public func list() async throws -> [Entry] {
        var entries: [Entry] = []
        var start: DynamoDBItem?
        repeat {
            let page = try await dynamo.query(
                table: table, index: JobsTable.index, keyCondition: "#p = :p",
                attributes: ExpressionAttributes(names: ["#p": JobsTable.indexPartition], values: [":p": .s(Self.indexPartition)]),
                forward: false, startKey: start)
            entries += page.items.compactMap { item in
                guard let id = item["key_id"]?.string, let owner = item["owner"]?.string,
                    let created = item["created_at"]?.string.flatMap(Timestamp.parse)
                else { return nil }
                return Entry(id: id, owner: owner, createdAt: created, revokedAt: item["revoked_at"]?.string.flatMap(Timestamp.parse))
            }
            start = page.lastEvaluatedKey
        } while start != nil
        return entries
    }

    /// Revokes a key by id (idempotent: revoking it again keeps the first time).
    /// - Returns: whether such a key exists.
    /// - Throws: `AWSServiceError`.
    public func revoke(id: String, at now: Date = Date()) async throws -> Bool {
        do {
            try await dynamo.updateItem(
                table: table, key: Self.itemKey(id), update: "SET revoked_at = if_not_exists(revoked_at, :now)",
                condition: "attribute_exists(key_sha256)", attributes: ExpressionAttributes(values: [":now": .s(Timestamp.format(now))]))
            return true
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {
            return false
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
