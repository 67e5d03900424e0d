import AWSKit
import Imaging

/// Why a job failed, with a stable short code (it goes into the dead-letter message's attributes) and
/// whether trying again later can help.
public struct JobError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    /// Transient failures (network, throttling, 5xx, upload trouble) are retried after a backoff;
    /// permanent ones (bad message, missing or bad image) go to the dead-letter queue at once.
    public let isTransient: Bool

    public init(_ code: String, _ message: String, transient: Bool = false) {
        self.code = code
        self.message = message
        self.isTransient = transient
    }

    public var description: String { "\(code): \(message)" }

    /// Classifies a failure while reading the source image.
    static func fromDownload(_ error: any Error, bucket: String, key: String) -> JobError {
        switch error {
        case let error as AWSServiceError:
            switch error.code {
            case "NoSuchKey", "NotFound": return JobError("no_such_key", "s3://\(bucket)/\(key) does not exist")
            case "NoSuchBucket": return JobError("no_such_bucket", "the bucket \(bucket) does not exist")
            case "AccessDenied", "Forbidden", "AllAccessDisabled", "InvalidObjectState":
                return JobError("access_denied", "reading s3://\(bucket)/\(key) was refused: \(error.code)")
            default:
                return JobError("s3_error", error.description, transient: error.isRetryable || error.status >= 500)
            }
        case let error as S3Client.ObjectTooLarge:
            return JobError("too_large", error.description)
        case let error as HTTPError:
            return JobError("network", error.description, transient: true)
        case let error as CredentialsError:
            return JobError("credentials", error.description, transient: true)
        default:
            return JobError("internal", "\(error)", transient: true)
        }
    }

    /// Classifies a failure while writing a thumbnail: always worth retrying later (the output bucket's
    /// permissions or the network), never the job's fault.
    static func fromUpload(_ error: any Error, bucket: String, key: String) -> JobError {
        let detail = (error as? AWSServiceError)?.description ?? "\(error)"
        return JobError("upload_failed", "writing s3://\(bucket)/\(key) failed: \(detail)", transient: true)
    }

    static func fromImaging(_ error: ImagingError) -> JobError {
        JobError(error.code.rawValue, error.message, transient: error.code == .encodeFailed)
    }
}
