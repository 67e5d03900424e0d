import AWSKit
import Foundation
import ThumbService

/// Uploads that go straight to S3 (`POST /v1/uploads`): each is a presigned POST for one key in the
/// upload bucket, and an item in the jobs table (`upload#<id>`: its owner and key) so that only its
/// owner can make a job of it, once. The item lives as long as a job would (the table's TTL).
struct DirectUploads: Sendable {
    let s3: S3Client
    let dynamo: DynamoDBClient
    let table: String
    let bucket: String
    /// The largest file the policy lets S3 accept.
    let maxBytes: Int
    /// How long the POST policy is accepted, in seconds.
    static let policyLifetime = 900

    /// What `POST /v1/uploads` answers.
    struct Ticket: Encodable, Sendable {
        let upload_id: String
        let url: String
        let fields: [String: String]
        let expires_at: String
    }

    static func itemKey(_ id: String) -> DynamoDBItem { [JobsTable.partitionKey: .s("upload#\(id)")] }

    /// A new upload for `owner`: its item, then the signed POST.
    /// - Throws: `AWSServiceError` (the table), `CredentialsError` (nothing to sign with).
    func create(owner: String, now: Date, ttl: Duration) async throws -> Ticket {
        let id = JobRecord.newID()
        let key = "direct/\(id)"
        try await dynamo.putItem(
            table: table,
            item: Self.itemKey(id).merging([
                "owner": .s(owner), "key": .s(key), "created_at": .s(Timestamp.format(now)),
                JobsTable.ttlAttribute: .int(Int(now.timeIntervalSince1970) + Int(ttl.wholeSeconds)),
            ]) { first, _ in first },
            condition: "attribute_not_exists(#pk)", attributes: ExpressionAttributes(names: ["#pk": JobsTable.partitionKey]))
        let post = try await s3.presignedPost(bucket: bucket, key: key, maxBytes: maxBytes, expires: Self.policyLifetime, date: now)
        return Ticket(
            upload_id: id, url: post.url, fields: Dictionary(post.fields.map { ($0.name, $0.value) }) { first, _ in first },
            expires_at: Timestamp.format(post.expires))
    }

    /// The key of the caller's upload `id`, or nil (unknown, expired, or another owner's: the same
    /// answer). Whether a job was made of it is `consume`'s to settle.
    /// - Throws: `AWSServiceError`.
    func find(_ id: String, owner: String, now: Date) async throws -> String? {
        guard RequestID.isPlainToken(id), id.utf8.count <= 64,
            let item = try await dynamo.getItem(table: table, key: Self.itemKey(id), consistentRead: true),
            item["owner"]?.string == owner, let key = item["key"]?.string,
            (item[JobsTable.ttlAttribute]?.int ?? 0) > Int(now.timeIntervalSince1970)
        else { return nil }
        return key
    }

    /// Marks the upload as made into `jobID`; false when a job was made of it already (another one:
    /// when a retried write finds its own first attempt applied, that is still ours).
    /// - Throws: `AWSServiceError`.
    func consume(_ id: String, jobID: String) async throws -> Bool {
        do {
            _ = try await dynamo.updateItem(
                table: table, key: Self.itemKey(id), update: "SET job_id = :job", condition: "attribute_exists(#pk) AND attribute_not_exists(job_id)",
                attributes: ExpressionAttributes(names: ["#pk": JobsTable.partitionKey], values: [":job": .s(jobID)]))
            return true
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {
            let item = try await dynamo.getItem(table: table, key: Self.itemKey(id), consistentRead: true)
            return item?["job_id"]?.string == jobID
        }
    }

    /// Undoes `consume` when the job could not be made, so the client's retry can use the upload.
    func release(_ id: String, jobID: String) async throws {
        do {
            _ = try await dynamo.updateItem(
                table: table, key: Self.itemKey(id), update: "REMOVE job_id", condition: "job_id = :job",
                attributes: ExpressionAttributes(values: [":job": .s(jobID)]))
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {}
    }
}
