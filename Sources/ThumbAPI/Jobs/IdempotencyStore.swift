import AWSKit
import Foundation
import ThumbService

/// `Idempotency-Key` (the IETF httpapi draft's header): the same key from the same owner within 24 h
/// gives the same job, not a second one; the same key with a different request is 422. Kept in the
/// jobs table as `idem#<owner>#<SHA-256 of the key>` with the job id and the request's fingerprint;
/// the first request to write the item wins (a conditional put), an expired one is overwritten.
struct IdempotencyStore: Sendable {
    let dynamo: DynamoDBClient
    let table: String

    static let lifetime: TimeInterval = 86_400

    enum Claim: Equatable {
        /// The key is this request's: go on with `jobID`.
        case claimed
        /// An earlier identical request made this job.
        case replay(jobID: String)
    }

    /// 1 to 255 printable ASCII characters.
    static func isValid(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    private static func itemKey(owner: String, key: String) -> DynamoDBItem {
        [JobsTable.partitionKey: .s("idem#\(owner)#\(Hashing.sha256Hex(key))")]
    }

    /// - Throws: `Problem` `idempotency_key_reused` when the key came with a different request,
    ///   `AWSServiceError`.
    func claim(owner: String, key: String, fingerprint: String, jobID: String, now: Date) async throws -> Claim {
        let itemKey = Self.itemKey(owner: owner, key: key)
        let epoch = Int(now.timeIntervalSince1970)
        do {
            try await dynamo.putItem(
                table: table,
                item: itemKey.merging([
                    "job_id": .s(jobID), "fingerprint": .s(fingerprint), JobsTable.ttlAttribute: .int(epoch + Int(Self.lifetime)),
                ]) { first, _ in first },
                condition: "attribute_not_exists(#pk) OR #exp < :now",
                attributes: ExpressionAttributes(names: ["#pk": JobsTable.partitionKey, "#exp": JobsTable.ttlAttribute], values: [":now": .int(epoch)]))
            return .claimed
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {
            let item = try await dynamo.getItem(table: table, key: itemKey, consistentRead: true)
            guard let item, let existing = item["job_id"]?.string else { return .claimed }
            guard item["fingerprint"]?.string == fingerprint else {
                throw Problem(.idempotencyKeyReused, "this Idempotency-Key was sent with a different request in the last 24 hours")
            }
            return .replay(jobID: existing)
        }
    }

    /// Gives the key up after the request that claimed it failed before its job was queued, so a retry
    /// with it makes the job (only the claim naming `jobID` is removed).
    /// - Throws: `AWSServiceError`.
    func release(owner: String, key: String, jobID: String) async throws {
        do {
            try await dynamo.deleteItem(
                table: table, key: Self.itemKey(owner: owner, key: key), condition: "job_id = :id",
                attributes: ExpressionAttributes(values: [":id": .s(jobID)]))
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {}
    }
}
