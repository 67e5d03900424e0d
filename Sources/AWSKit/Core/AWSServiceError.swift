/// An error answer from an AWS service: HTTP status, the service's error code (`NoSuchKey`,
/// `QueueDoesNotExist`, `SlowDown`...), its message and the request id to quote to AWS support.
public struct AWSServiceError: Error, Sendable, CustomStringConvertible {
    public let service: String
    public let operation: String
    public let status: Int
    public let code: String
    public let message: String
    public let requestId: String?
    /// What the operation was about (`s3://bucket/key`, a queue URL), for messages a person can act on.
    public let resource: String?

    public init(
        service: String, operation: String, status: Int, code: String, message: String, requestId: String?,
        resource: String? = nil
    ) {
        self.service = service
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
        self.resource = resource
    }

    public var description: String {
        var text = "\(service) \(operation)"
        if let resource { text += " \(resource)" }
        text += ": \(code)"
        if !message.isEmpty { text += ": \(message)" }
        text += " (HTTP \(status)"
        if let requestId { text += ", request id \(requestId)" }
        return text + ")"
    }

    /// Throttling answers: the caller should slow down and try again.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Transient failures on the service side that are safe to retry.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
        "IDPCommunicationError",
    ]

    public var isThrottling: Bool { status == 429 || Self.throttlingCodes.contains(code) }

    /// Whether the same request may succeed later: 5xx, 429, throttling and transient codes. Never
    /// another 4xx (a wrong signature, a missing key or a bad parameter does not heal).
    public var isRetryable: Bool {
        isThrottling || Self.transientCodes.contains(code) || (500...599).contains(status)
    }
}
