import AWSKit
import Foundation
import ThumbService

/// The job document of the API: a `JobRecord` as JSON (snake_case members, RFC 3339 UTC times, `null`
/// for what is not known yet), with each output's `url`: its public URL when outputs are written
/// `public-read`, else a presigned GET valid one hour (SigV4 query signing), so a browser can show it
/// without the API key.
struct JobDocumentRenderer: Sendable {
    let s3: S3Client
    let publicOutputs: Bool

    static let presignedLifetime = 3600

    func object(_ record: JobRecord) async throws -> [String: Any] {
        func time(_ date: Date?) -> Any { date.map(Timestamp.format) ?? NSNull() }
        var outputs: [[String: Any]] = []
        for output in record.outputs {
            let url =
                publicOutputs
                ? s3.publicURL(bucket: output.bucket, key: output.key)
                : try await s3.presignedGetURL(bucket: output.bucket, key: output.key, expires: Self.presignedLifetime)
            outputs.append([
                "bucket": output.bucket, "key": output.key, "url": url, "width": output.width, "height": output.height,
                "bytes": output.bytes, "content_type": output.contentType,
            ])
        }
        let source: [String: Any] = [
            "bucket": record.source.bucket, "key": record.source.key, "bytes": record.source.bytes ?? NSNull(),
            "format": record.source.format ?? NSNull(), "width": record.source.width ?? NSNull(),
            "height": record.source.height ?? NSNull(),
        ]
        let sizes: [[String: Any]] = record.sizes.map {
            ["width": $0.width ?? NSNull(), "height": $0.height ?? NSNull(), "mode": $0.mode.rawValue]
        }
        let error: Any = record.error.map { ["code": $0.code, "message": $0.message] as [String: Any] } ?? NSNull()
        return [
            "id": record.id, "status": record.status.rawValue, "created_at": time(record.createdAt),
            "started_at": time(record.startedAt), "finished_at": time(record.finishedAt), "expires_at": time(record.expiresAt),
            "source": source, "sizes": sizes, "format": record.format?.rawValue ?? NSNull(), "quality": record.quality ?? NSNull(),
            "outputs": outputs, "error": error, "attempts": record.attempts, "request_id": record.requestId ?? NSNull(),
        ]
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
