import AWSKit
import Foundation
import Imaging

/// A job as the jobs table holds it: who owns it, where it is in its life (`JobStatus`), what it reads
/// and asks for, and what it made. Times are UTC instants; `expiresAt` is also the table's TTL attribute.
public struct JobRecord: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var bucket: String
        public var key: String
        public var bytes: Int?
        /// `jpeg`, `png`... as the Imaging module sniffed it.
        public var format: String?
        /// Upright size in pixels, once probed.
        public var width: Int?
        public var height: Int?

        public init(bucket: String, key: String, bytes: Int? = nil, format: String? = nil, width: Int? = nil, height: Int? = nil) {
            self.bucket = bucket
            self.key = key
            self.bytes = bytes
            self.format = format
            self.width = width
            self.height = height
        }
    }

    /// One thumbnail written: where, its pixel size, its length in bytes and content type.
    public struct Output: Sendable, Equatable {
        public var bucket: String
        public var key: String
        public var width: Int
        public var height: Int
        public var bytes: Int
        public var contentType: String

        public init(bucket: String, key: String, width: Int, height: Int, bytes: Int, contentType: String) {
            self.bucket = bucket
            self.key = key
            self.width = width
            self.height = height
            self.bytes = bytes
            self.contentType = contentType
        }
    }

    public var id: String
    public var owner: String
    public var status: JobStatus
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var expiresAt: Date
    public var source: Source
    public var sizes: [SizeRequest]
    /// The formats asked for (`Job.formats`); nil for the worker's default.
    public var formats: [OutputFormat]?
    public var quality: Int?
    /// The source's ThumbHash and average colour, once complete.
    public var placeholder: Placeholder?
    public var outputs: [Output]
    /// Milliseconds per stage of the last run (`download`, `decode`, `resize`, `encode`, `upload`).
    public var timingsMs: [String: Double]
    public var error: (code: String, message: String)?
    /// Runs started (a redelivery after a lost worker is a new attempt).
    public var attempts: Int
    /// The `X-Request-Id` of the request that made it.
    public var requestId: String?
    /// The source is an upload of the API's (deleted with the job on purge).
    public var sourceUploaded: Bool
    /// Set by a purge: outputs and upload are deleted, and the job answers 410.
    public var purgedAt: Date?
    /// The queue it was sent to (`JobPriority`).
    public var priority: JobPriority
    /// Where its completion webhook goes (checked by the API when the job was made); nil: none.
    public var callbackURL: String?
    /// Its webhook's delivery, once the delivery service has tried (nil before the first attempt).
    public var webhook: WebhookDelivery?

    public init(
        id: String, owner: String, status: JobStatus = .pending, createdAt: Date, expiresAt: Date, source: Source,
        sizes: [SizeRequest], formats: [OutputFormat]? = nil, quality: Int? = nil, requestId: String? = nil,
        sourceUploaded: Bool = false, priority: JobPriority = .normal, callbackURL: String? = nil
    ) {
        self.id = id
        self.owner = owner
        self.status = status
        self.createdAt = createdAt
        // Whole seconds (rounded up), as the table's TTL attribute holds it, so the instant reads back the same.
        self.expiresAt = Date(timeIntervalSince1970: expiresAt.timeIntervalSince1970.rounded(.up))
        self.source = source
        self.sizes = sizes
        self.formats = formats
        self.quality = quality
        self.outputs = []
        self.timingsMs = [:]
        self.error = nil
        self.attempts = 0
        self.requestId = requestId
        self.sourceUploaded = sourceUploaded
        self.priority = priority
        self.callbackURL = callbackURL
    }

    public static func == (lhs: JobRecord, rhs: JobRecord) -> Bool {
        lhs.item == rhs.item
    }

    /// Whether the record is gone for its owner (past `expiresAt`, or purged) and answers 410.
    public func isExpired(at now: Date) -> Bool { purgedAt != nil || now >= expiresAt }

    /// The job message thumbd reads for this record (`job_id` names the record).
    public var job: Job {
        var job = Job(bucket: source.bucket, key: source.key, sizes: sizes, formats: formats, quality: quality)
        job.recordId = id
        job.requestId = requestId
        return job
    }

    /// A new random job id: 128 bits from the system's CSPRNG, as 26 lower-case base32 characters
    /// (RFC 4648's alphabet), so ids cannot be guessed or enumerated.
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base32.encode(bytes).lowercased()
    }
}

/// RFC 4648 base32 without padding.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ bytes: [UInt8]) -> String {
        var result = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                result.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { result.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return result
    }
}
