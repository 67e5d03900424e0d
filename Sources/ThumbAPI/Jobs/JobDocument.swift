import AWSKit
import Foundation
import ThumbService

/// The job document of the API: a `JobRecord` as JSON (snake_case members, RFC 3339 UTC times, `null`
/// for what is not known yet; `docs/openapi.yaml`'s `Job`), with each output's `url`: its public URL
/// when outputs are written `public-read`, else a presigned GET valid one hour (SigV4 query signing),
/// so a browser can show it without the API key.
struct JobDocument: Encodable, Sendable {
    struct Source: Encodable, Sendable {
        let bucket: String
        let key: String
        let bytes: Int?
        let format: String?
        let width: Int?
        let height: Int?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(bucket, forKey: .init("bucket"))
            try container.encode(key, forKey: .init("key"))
            try container.encode(bytes, forKey: .init("bytes"))
            try container.encode(format, forKey: .init("format"))
            try container.encode(width, forKey: .init("width"))
            try container.encode(height, forKey: .init("height"))
        }
    }

    struct Size: Encodable, Sendable {
        let width: Int?
        let height: Int?
        let mode: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(width, forKey: .init("width"))
            try container.encode(height, forKey: .init("height"))
            try container.encode(mode, forKey: .init("mode"))
        }
    }

    struct Output: Encodable, Sendable {
        let bucket: String
        let key: String
        let url: String
        let width: Int
        let height: Int
        let bytes: Int
        let content_type: String
    }

    /// Why a job failed: the code (the dead-letter queue's vocabulary), its title in plain words (the
    /// problem catalogue's, as a refused request would carry it), and this failure's message.
    struct Failure: Encodable, Sendable {
        let code: String
        let title: String
        let message: String

        init(code: String, message: String) {
            self.code = code
            self.title = Problem.catalogue[code]?.title ?? "Internal error"
            self.message = message
        }
    }

    /// Where the job's webhook is (`WebhookDelivery`); `pending` with no attempts until the first.
    struct Webhook: Encodable, Sendable {
        let status: String
        let attempts: Int
        let lastStatus: Int?
        let lastError: String?
        let nextAttemptAt: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(status, forKey: .init("status"))
            try container.encode(attempts, forKey: .init("attempts"))
            try container.encode(lastStatus, forKey: .init("last_status"))
            try container.encode(lastError, forKey: .init("last_error"))
            try container.encode(nextAttemptAt, forKey: .init("next_attempt_at"))
        }
    }

    let id: String
    let status: String
    let createdAt: String
    let startedAt: String?
    let finishedAt: String?
    let expiresAt: String
    let source: Source
    let sizes: [Size]
    /// The formats asked for (nil: the worker's default); `format` is the first, as documents were
    /// before `formats`.
    let formats: [String]?
    let quality: Int?
    let outputs: [Output]
    /// The source's ThumbHash (base64) and its average colour (`#rrggbb`), once complete.
    let thumbHash: String?
    let averageColor: String?
    let error: Failure?
    let attempts: Int
    let requestID: String?
    let priority: String
    let callbackURL: String?
    /// nil without a callback URL, and in a webhook's own body (the delivery it is part of).
    var webhook: Webhook?

    /// Any member name (the documents' names are snake_case and fixed here, in one place).
    struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Every member, `null` included (a missing member and a null one mean different things to a client).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(id, forKey: .init("id"))
        try container.encode(status, forKey: .init("status"))
        try container.encode(createdAt, forKey: .init("created_at"))
        try container.encode(startedAt, forKey: .init("started_at"))
        try container.encode(finishedAt, forKey: .init("finished_at"))
        try container.encode(expiresAt, forKey: .init("expires_at"))
        try container.encode(source, forKey: .init("source"))
        try container.encode(sizes, forKey: .init("sizes"))
        try container.encode(formats?.first, forKey: .init("format"))
        try container.encode(formats, forKey: .init("formats"))
        try container.encode(quality, forKey: .init("quality"))
        try container.encode(outputs, forKey: .init("outputs"))
        try container.encode(thumbHash, forKey: .init("thumbhash"))
        try container.encode(averageColor, forKey: .init("average_color"))
        try container.encode(error, forKey: .init("error"))
        try container.encode(attempts, forKey: .init("attempts"))
        try container.encode(requestID, forKey: .init("request_id"))
        try container.encode(priority, forKey: .init("priority"))
        try container.encode(callbackURL, forKey: .init("callback_url"))
        try container.encode(webhook, forKey: .init("webhook"))
    }
}

/// `GET /v1/jobs`'s answer.
struct JobList: Encodable, Sendable {
    let jobs: [JobDocument]
    let nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JobDocument.Key.self)
        try container.encode(jobs, forKey: .init("jobs"))
        try container.encode(nextCursor, forKey: .init("next_cursor"))
    }
}

/// Makes documents from records (the output URLs need the S3 client: presigning is async).
struct JobDocumentRenderer: Sendable {
    let s3: S3Client
    let publicOutputs: Bool

    static let presignedLifetime = 3600

    /// - Throws: what presigning throws (no credentials).
    func document(_ record: JobRecord) async throws -> JobDocument {
        var outputs: [JobDocument.Output] = []
        for output in record.outputs {
            let url =
                publicOutputs
                ? s3.publicURL(bucket: output.bucket, key: output.key)
                : try await s3.presignedGetURL(bucket: output.bucket, key: output.key, expires: Self.presignedLifetime)
            outputs.append(
                .init(
                    bucket: output.bucket, key: output.key, url: url, width: output.width, height: output.height, bytes: output.bytes,
                    content_type: output.contentType))
        }
        return JobDocument(
            id: record.id, status: record.status.rawValue, createdAt: Timestamp.format(record.createdAt),
            startedAt: record.startedAt.map(Timestamp.format), finishedAt: record.finishedAt.map(Timestamp.format),
            expiresAt: Timestamp.format(record.expiresAt),
            source: .init(
                bucket: record.source.bucket, key: record.source.key, bytes: record.source.bytes, format: record.source.format,
                width: record.source.width, height: record.source.height),
            sizes: record.sizes.map { .init(width: $0.width, height: $0.height, mode: $0.mode.rawValue) },
            formats: record.formats?.map(\.rawValue), quality: record.quality, outputs: outputs,
            thumbHash: record.placeholder?.thumbHashBase64, averageColor: record.placeholder?.averageColor,
            error: record.error.map { .init(code: $0.code, message: $0.message) }, attempts: record.attempts, requestID: record.requestId,
            priority: record.priority.rawValue, callbackURL: record.callbackURL,
            webhook: record.callbackURL == nil ? nil : Self.webhook(record.webhook ?? WebhookDelivery(status: .pending)))
    }

    static func webhook(_ delivery: WebhookDelivery) -> JobDocument.Webhook {
        JobDocument.Webhook(
            status: delivery.status.rawValue, attempts: delivery.attempts, lastStatus: delivery.lastStatus, lastError: delivery.lastError,
            nextAttemptAt: delivery.nextAttemptAt.map(Timestamp.format))
    }

    static func json(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
