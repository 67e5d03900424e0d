import Foundation
import Logging

/// What every service client shares: the transport, the credential source, the region, the retry
/// policy and its quota. Sends one operation: signs each attempt afresh, retries what the standard
/// retry mode retries, and turns error answers into `AWSServiceError`s through the service's parser.
public final class AWSClient: Sendable {
    public let transport: any HTTPTransport
    public let credentials: any CredentialProvider
    public let region: String
    public let retryPolicy: RetryPolicy
    public let retryQuota = RetryQuota()
    public let logger: Logger
    private let sleep: @Sendable (TimeInterval) async throws -> Void

    public static let userAgent = "thumbd-awskit/1.0"

    public init(
        transport: any HTTPTransport, credentials: any CredentialProvider, region: String,
        retryPolicy: RetryPolicy = .standard(), logger: Logger = Logger(label: "awskit"),
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { seconds in
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
        }
    ) {
        self.transport = transport
        self.credentials = credentials
        self.region = region
        self.retryPolicy = retryPolicy
        self.logger = logger
        self.sleep = sleep
    }

    /// One operation of one service.
    public struct Operation: Sendable {
        public var service: String
        public var signingName: String
        public var name: String
        public var rules: SigV4Signer.Rules
        /// `s3://bucket/key` or a queue URL, for error messages.
        public var resource: String?

        public init(service: String, signingName: String, name: String, rules: SigV4Signer.Rules, resource: String? = nil) {
            self.service = service
            self.signingName = signingName
            self.name = name
            self.rules = rules
            self.resource = resource
        }
    }

    /// Sends `request` until it succeeds, fails for good, or runs out of attempts or retry quota.
    /// - Parameters:
    ///   - payloadHash: precomputed body hash (computed once, not per attempt, when `nil`).
    ///   - parseError: reads the service's error body; `nil` to fall back to the HTTP status.
    public func send(
        _ request: HTTPRequest, operation: Operation, payloadHash: String? = nil,
        parseError: @Sendable (HTTPResponse) -> (code: String, message: String)?
    ) async throws -> HTTPResponse {
        let payloadHash = payloadHash ?? Hashing.sha256Hex(request.body)
        let invocationId = UUID().uuidString.lowercased()
        var taken = 0
        var attempt = 1
        while true {
            var attemptRequest = request
            attemptRequest.headers.replaceOrAdd(name: "User-Agent", value: Self.userAgent)
            attemptRequest.headers.replaceOrAdd(name: "amz-sdk-invocation-id", value: invocationId)
            attemptRequest.headers.replaceOrAdd(
                name: "amz-sdk-request", value: "attempt=\(attempt); max=\(retryPolicy.maxAttempts)")
            let signer = SigV4Signer(
                credentials: try await currentCredentials(), region: region, service: operation.signingName,
                rules: operation.rules)
            signer.sign(&attemptRequest, date: Date(), payloadHash: payloadHash)

            let started = ContinuousClock.now
            let failure: any Error
            do {
                let response = try await transport.send(attemptRequest)
                if (200..<400).contains(response.status) {
                    logAttempt(operation, attempt: attempt, status: response.status, since: started)
                    retryQuota.release(taken)
                    return response
                }
                let parsed = parseError(response)
                failure = AWSServiceError(
                    service: operation.service, operation: operation.name, status: response.status,
                    code: parsed?.code ?? Self.codeForStatus(response.status), message: parsed?.message ?? "",
                    requestId: response.headers["x-amzn-RequestId"] ?? response.headers["x-amz-request-id"],
                    resource: operation.resource)
                logAttempt(operation, attempt: attempt, status: response.status, since: started)
            } catch let error as HTTPError {
                failure = error
                logAttempt(operation, attempt: attempt, status: nil, since: started, error: error)
            }

            guard attempt < retryPolicy.maxAttempts, RetryPolicy.isRetryable(failure),
                let cost = retryQuota.acquire(afterTimeout: (failure as? HTTPError)?.kind == .timeout)
            else {
                throw failure
            }
            taken += cost
            let delay = retryPolicy.delay(beforeRetry: attempt)
            logger.debug(
                "retrying", metadata: ["aws.operation": "\(operation.name)", "aws.attempt": "\(attempt + 1)",
                    "aws.delay_ms": "\(Int(delay * 1000))", "error": "\(failure)"])
            try await sleep(delay)
            attempt += 1
        }
    }

    private func currentCredentials() async throws -> Credentials {
        guard let credentials = try await credentials.credentials() else {
            throw CredentialsError("no AWS credentials found")
        }
        return credentials
    }

    private func logAttempt(
        _ operation: Operation, attempt: Int, status: Int?, since start: ContinuousClock.Instant, error: HTTPError? = nil
    ) {
        guard logger.logLevel <= .trace else { return }
        let elapsed = start.duration(to: .now)
        logger.trace(
            "aws request",
            metadata: [
                "aws.service": "\(operation.service)", "aws.operation": "\(operation.name)", "aws.attempt": "\(attempt)",
                "http.status": "\(status.map(String.init) ?? "-")", "duration_ms": "\(Int(elapsed / .milliseconds(1)))",
                "error": "\(error.map { $0.kind.rawValue } ?? "")",
            ])
    }

    /// A code for error answers without a parsable body (HEAD requests have none).
    static func codeForStatus(_ status: Int) -> String {
        switch status {
        case 400: return "BadRequest"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 429: return "TooManyRequestsException"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return "HTTP\(status)"
        }
    }
}
