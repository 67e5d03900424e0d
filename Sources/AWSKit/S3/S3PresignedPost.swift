import Foundation

/// A form upload straight to S3 from a browser or `curl -F`, without credentials: the POST policy
/// and its SigV4 signature ("Browser-Based Uploads Using POST (AWS Signature Version 4)" in the S3
/// API reference; botocore's `S3SigV4PostAuth` is the reference implementation). The policy limits
/// the upload to one key, a size range and a time; S3 refuses a form that breaks any condition, or
/// that carries a field the policy does not name (so a form may not add `Content-Type` or
/// `success_action_status`).
public struct S3PresignedPost: Sendable {
    /// Where the form is posted (the bucket's URL).
    public let url: String
    /// The form's fields in order; the file goes after them, in a field named `file`.
    public let fields: [(name: String, value: String)]
    /// When the policy stops being accepted.
    public let expires: Date
    /// The policy document as signed (JSON; the `policy` field is its base64).
    public let policy: String
}

extension S3Client {
    /// Signs a POST policy for one upload to `bucket`/`key`.
    /// - Parameters:
    ///   - maxBytes: the largest file accepted (`content-length-range` 1...maxBytes).
    ///   - expires: seconds the policy is valid (S3 checks the `expiration` member); no longer than
    ///     the credentials last.
    ///   - date: the signing time.
    /// - Throws: `CredentialsError` when there are no credentials.
    public func presignedPost(
        bucket: String, key: String, maxBytes: Int, expires: Int = 900, date: Date = Date()
    ) async throws -> S3PresignedPost {
        guard let credentials = try await client.credentials.credentials() else {
            throw CredentialsError("no AWS credentials found")
        }
        let signer = SigV4Signer(credentials: credentials, region: client.region, service: "s3", rules: .s3)
        let timestamp = AmzDate(date)
        // Temporary credentials sign nothing past their own expiry: the form would fail with
        // ExpiredToken before the time it promises.
        let lifetime = min(TimeInterval(expires), credentials.expiration.map { $0.timeIntervalSince(date).rounded(.down) } ?? .infinity)
        let expiration = date.addingTimeInterval(max(1, lifetime))
        var fields: [(name: String, value: String)] = [
            ("key", key), ("x-amz-algorithm", SigV4Signer.algorithm),
            ("x-amz-credential", "\(credentials.accessKeyId)/\(signer.scope(timestamp))"), ("x-amz-date", timestamp.full),
        ]
        if let token = credentials.sessionToken { fields.append(("x-amz-security-token", token)) }
        var conditions: [JSONValue] = [["bucket": .string(bucket)], ["content-length-range", 1, .int(maxBytes)]]
        conditions += fields.map { [$0.name: .string($0.value)] }
        let document: JSONValue = ["expiration": .string(Self.policyTime(expiration)), "conditions": .array(conditions)]
        let policy = String(decoding: document.data(), as: UTF8.self)
        let encoded = Data(policy.utf8).base64EncodedString()
        fields.append(("policy", encoded))
        fields.append(("x-amz-signature", Hashing.hex(Hashing.hmacSHA256(key: signer.signingKey(timestamp), Array(encoded.utf8)))))
        let (endpoint, path) = addressing.locate(bucket: bucket, key: nil)
        return S3PresignedPost(url: endpoint.origin + path, fields: fields, expires: expiration, policy: policy)
    }

    /// `2026-11-30T15:00:00Z`: the policy's `expiration` (ISO 8601 in UTC, as botocore writes it).
    static func policyTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
