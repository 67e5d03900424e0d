import AWSKit

/// The bucket thumbd-api keeps uploaded originals in: private (every public-access block on), and
/// objects expire by a lifecycle rule once the job TTL has passed (rounded up to whole days, as S3
/// counts), so no original outlives its job by more than a day even if nothing purges it.
public enum UploadBucket {
    /// The lifecycle rule's id (setup replaces the bucket's lifecycle configuration with this one rule).
    public static let ruleID = "thumbd-upload-expiry"

    /// Whole days after which S3 expires an upload: the TTL rounded up, at least 1.
    public static func expiryDays(ttl: Duration) -> Int {
        max(1, (ttl.wholeSeconds + 86_399) / 86_400)
    }

    /// Creates the bucket if needed, blocks public access, sets the expiry rule.
    /// - Throws: `AWSServiceError`.
    public static func create(_ bucket: String, ttl: Duration, s3: S3Client) async throws {
        try await s3.createBucket(bucket)
        try await s3.putPublicAccessBlock(bucket, .blockAll)
        try await s3.putBucketLifecycleExpiration(bucket, id: ruleID, days: expiryDays(ttl: ttl))
    }
}
