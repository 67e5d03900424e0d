import AWSKit

/// The jobs table's layout, decided here only. One table holds three kinds of item, told apart by the
/// partition key's prefix:
///
/// | `pk` | what | index (`gsi_pk`, `gsi_sk`) |
/// |---|---|---|
/// | `job#<id>` | a `JobRecord` | `jobs#<owner>`, `created_at`: an owner's jobs, newest first |
/// | `apikey#<id>` | an API key (its SHA-256, never the key) | `apikeys`, `created_at`: every key |
/// | `idem#<owner>#<sha256(key)>` | an `Idempotency-Key` and the job it made | none |
/// | `upload#<id>` | a direct upload (`POST /v1/uploads`): its owner and key | none |
/// | `whsecret#<owner>` | the owner's webhook signing secret (`WebhookSecretStore`) | none |
///
/// `expires_at` (epoch seconds) is the TTL attribute: DynamoDB deletes expired items within days,
/// and readers treat an item past it as gone at once.
public enum JobsTable {
    public static let partitionKey = "pk"
    public static let index = "owner-created"
    public static let indexPartition = "gsi_pk"
    public static let indexSort = "gsi_sk"
    public static let ttlAttribute = "expires_at"

    static func jobKey(_ id: String) -> String { "job#\(id)" }
    static func ownerPartition(_ owner: String) -> String { "jobs#\(owner)" }

    /// Creates the table (on-demand, the owner index) and turns TTL on, unless it exists.
    /// - Returns: whether it was created now.
    /// - Throws: `AWSServiceError` from CreateTable, DescribeTable or UpdateTimeToLive.
    @discardableResult
    public static func create(name: String, dynamo: DynamoDBClient) async throws -> Bool {
        do {
            _ = try await dynamo.describeTable(name: name)
            try await ensureTimeToLive(name: name, dynamo: dynamo)
            return false
        } catch let error as AWSServiceError where error.isResourceNotFound {}
        _ = try await dynamo.createTable(
            name: name, partitionKey: KeyAttribute(partitionKey),
            indexes: [GlobalSecondaryIndex(name: index, partitionKey: KeyAttribute(indexPartition), sortKey: KeyAttribute(indexSort))],
            tags: ["thumbd": "jobs"])
        _ = try await dynamo.waitUntilActive(name: name)
        try await ensureTimeToLive(name: name, dynamo: dynamo)
        return true
    }

    private static func ensureTimeToLive(name: String, dynamo: DynamoDBClient) async throws {
        let ttl = try await dynamo.describeTimeToLive(table: name)
        if ttl.status != "ENABLED" && ttl.status != "ENABLING" {
            try await dynamo.updateTimeToLive(table: name, attribute: ttlAttribute)
        }
    }
}
