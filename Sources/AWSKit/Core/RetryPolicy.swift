import Foundation
import Synchronization

/// The AWS SDKs' "standard" retry mode: up to `maxAttempts` tries, a full-jitter exponential delay
/// `random(0..1) * min(base * 2^(attempt-1), maxBackoff)`, and a retry quota (a token bucket shared by
/// every request of a client) so that during an outage retries stop multiplying the load.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxBackoff: TimeInterval

    public init(maxAttempts: Int = 3, baseDelay: TimeInterval = 1, maxBackoff: TimeInterval = 20) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
    }

    /// The standard policy, with `AWS_MAX_ATTEMPTS` from the environment when it is a positive number.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> RetryPolicy {
        var policy = RetryPolicy()
        if let value = environment["AWS_MAX_ATTEMPTS"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
            value > 0
        {
            policy.maxAttempts = value
        }
        return policy
    }

    /// The delay before retry number `attempt` (1 for the first retry), given a random draw in 0..<1.
    public func delay(beforeRetry attempt: Int, random: Double = Double.random(in: 0..<1)) -> TimeInterval {
        let exponential = baseDelay * pow(2, Double(max(0, attempt - 1)))
        return random * min(exponential, maxBackoff)
    }

    /// Whether `error` is worth another attempt at all (the quota and attempt count aside).
    public static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPError: return error.isTransient
        case let error as AWSServiceError: return error.isRetryable
        default: return false
        }
    }
}

/// The retry token bucket of the standard mode (botocore's numbers): 500 tokens; a retry costs 5, or
/// 10 after a timeout; a request that succeeds gives back what its retries took, or 1 token when it
/// needed none. With the bucket empty, errors are returned instead of retried.
public final class RetryQuota: Sendable {
    public static let initialTokens = 500
    public static let retryCost = 5
    public static let timeoutRetryCost = 10

    private let tokens = Mutex(RetryQuota.initialTokens)

    public init() {}

    public var available: Int { tokens.withLock { $0 } }

    /// Takes the cost of one retry; `nil` when the bucket cannot pay it (do not retry).
    public func acquire(afterTimeout: Bool) -> Int? {
        let cost = afterTimeout ? Self.timeoutRetryCost : Self.retryCost
        return tokens.withLock { value in
            guard value >= cost else { return nil }
            value -= cost
            return cost
        }
    }

    /// Returns tokens after a success: what its retries took, or 1 when it took none.
    public func release(_ taken: Int) {
        tokens.withLock { value in
            value = min(Self.initialTokens, value + (taken > 0 ? taken : 1))
        }
    }
}
