import AWSKit
import Imaging

/// Why a job failed, with a stable short code (it goes into the dead-letter message's attributes, the
/// job log line and, later, problem details) and whether trying again later can help.
public struct JobError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error vocabulary: one case per code, spelled as it appears outside (snake_case). The
    /// README's "Error codes" table lists exactly these (a test checks it).
    public enum Code: String, Sendable, CaseIterable {
        // The message itself (always permanent).
        /// The message is not JSON, or nests deeper than `JobMessageParser.maxDepth`.
        case badJSON = "bad_json"
        /// JSON, but not a thumbd job, an S3 event or an SNS notification of one.
        case unsupportedMessage = "unsupported_message"
        /// Over `JobMessageParser.maxBytes`.
        case messageTooLarge = "message_too_large"
        /// A required field (`bucket`, `key`, an event's `eventName`...) is absent.
        case missingField = "missing_field"
        /// A field has the wrong type or an unknown value (`format`, `mode`, `quality`...).
        case invalidField = "invalid_field"
        /// A size without width and height, a side outside 1...`THUMBD_MAX_OUTPUT_SIDE`, or a size
        /// list that does not parse (`WIDTHxHEIGHT[:mode]`).
        case invalidSize = "invalid_size"
        /// More than `SizeRequest.maxPerMessage` sizes.
        case tooManySizes = "too_many_sizes"
        /// Not an S3 bucket name.
        case invalidBucket = "invalid_bucket"
        /// Not a usable S3 key: empty, over 1024 bytes, control characters, `.`/`..` segments.
        case invalidKey = "invalid_key"

        // Reading the source.
        /// The source object does not exist.
        case noSuchKey = "no_such_key"
        /// The source bucket does not exist.
        case noSuchBucket = "no_such_bucket"
        /// S3 refused the read (permissions, an archived object).
        case accessDenied = "access_denied"
        /// Any other S3 error answer; retried when S3 says it is transient (5xx, throttling).
        case s3Error = "s3_error"
        /// The request did not complete (connection, TLS, read timeout); retried.
        case network
        /// No credentials could be had (the chain or a refresh failed); retried.
        case credentials

        // The image (from `ImagingError.Code`), and the worker's own limits.
        /// Not an image thumbd reads (JPEG, PNG, WebP, HEIC, AVIF, GIF), or a feature of one it does not.
        case unsupportedFormat = "unsupported_format"
        /// Claims to be an image it reads but cannot be decoded.
        case corrupt
        /// Ends before the image does.
        case truncated
        /// Over a limit: `THUMBD_MAX_INPUT_MB`, `THUMBD_MAX_MEGAPIXELS` or the output side.
        case tooLarge = "too_large"
        /// A zero-byte object.
        case empty
        /// Options the imaging layer refuses (cannot come from a validated message).
        case invalidOptions = "invalid_options"
        /// The encoder failed (out of memory, most likely); retried.
        case encodeFailed = "encode_failed"
        /// The decode needs more than the whole `THUMBD_DECODE_MEMORY_MB`.
        case overMemoryBudget = "over_memory_budget"

        // Writing, and the job as a whole.
        /// A thumbnail could not be written (the output bucket's permissions, the network); retried.
        case uploadFailed = "upload_failed"
        /// The job ran past `THUMBD_JOB_TIMEOUT`; retried.
        case timeout
        /// The jobs table (`THUMBD_JOBS_TABLE`) could not be read or written; retried.
        case jobsTable = "jobs_table"
        /// The job's message reached the dead-letter queue through the queue's redrive policy: a
        /// worker took it `maxReceiveCount` times and never finished it (it died, or lost the message).
        case workerLost = "worker_lost"
        /// Anything unforeseen (a bug); retried, so a fix can still save the job.
        case `internal`
    }

    public let code: Code
    public let message: String
    /// Transient failures (network, throttling, 5xx, upload trouble) are retried after a backoff;
    /// permanent ones (bad message, missing or bad image) go to the dead-letter queue at once.
    public let isTransient: Bool

    public init(_ code: Code, _ message: String, transient: Bool = false) {
        self.code = code
        self.message = message
        self.isTransient = transient
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Any error as a `JobError`: itself, or `internal` (transient) for what nobody classified.
    public static func from(_ error: any Error) -> JobError {
        (error as? JobError) ?? JobError(.internal, "\(error)", transient: true)
    }

    /// Classifies a failure while reading the source image.
    public static func fromDownload(_ error: any Error, bucket: String, key: String) -> JobError {
        switch error {
        case let error as AWSServiceError:
            switch error.code {
            case "NoSuchKey", "NotFound": return JobError(.noSuchKey, "s3://\(bucket)/\(key) does not exist")
            case "NoSuchBucket": return JobError(.noSuchBucket, "the bucket \(bucket) does not exist")
            case "AccessDenied", "Forbidden", "AllAccessDisabled", "InvalidObjectState":
                return JobError(.accessDenied, "reading s3://\(bucket)/\(key) was refused: \(error.code)")
            default:
                return JobError(.s3Error, error.description, transient: error.isRetryable || error.status >= 500)
            }
        case let error as S3Client.ObjectTooLarge:
            return JobError(.tooLarge, error.description)
        case let error as HTTPError:
            return JobError(.network, error.description, transient: true)
        case let error as CredentialsError:
            return JobError(.credentials, error.description, transient: true)
        default:
            return JobError(.internal, "\(error)", transient: true)
        }
    }

    /// Classifies a failure while writing a thumbnail: always worth retrying later (the output bucket's
    /// permissions or the network), never the job's fault.
    public static func fromUpload(_ error: any Error, bucket: String, key: String) -> JobError {
        let detail = (error as? AWSServiceError)?.description ?? "\(error)"
        return JobError(.uploadFailed, "writing s3://\(bucket)/\(key) failed: \(detail)", transient: true)
    }

    /// An imaging failure under the same name (every `ImagingError.Code` is a `Code` of the same
    /// spelling; a test checks it); only a failed encode is worth retrying.
    public static func fromImaging(_ error: ImagingError) -> JobError {
        guard let code = Code(rawValue: error.code.rawValue) else { return JobError(.internal, error.description, transient: true) }
        return JobError(code, error.message, transient: error.code == .encodeFailed)
    }
}
