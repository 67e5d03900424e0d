import AWSKit
import Foundation

/// Where a job's completion webhook is (the job document's `webhook` member): `pending` until an
/// attempt succeeds (`delivered`, any 2xx) or the retry schedule runs out (`failed`).
public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending
        case delivered
        case failed
    }

    public var status: Status
    /// Attempts made so far (redelivery starts again from 0).
    public var attempts: Int
    /// The HTTP status of the last attempt's answer; nil when it got none (refused, timed out).
    public var lastStatus: Int?
    /// Why the last attempt failed, when it did (no answer, or a status that is not 2xx).
    public var lastError: String?
    /// When the next attempt is due, while `pending`.
    public var nextAttemptAt: Date?

    public init(status: Status, attempts: Int = 0, lastStatus: Int? = nil, lastError: String? = nil, nextAttemptAt: Date? = nil) {
        self.status = status
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
    }

    var item: DynamoDBItem {
        var item: DynamoDBItem = ["status": .s(status.rawValue), "attempts": .int(attempts)]
        if let lastStatus { item["last_status"] = .int(lastStatus) }
        if let lastError { item["last_error"] = .s(String(lastError.prefix(500))) }
        if let nextAttemptAt { item["next_attempt_at"] = .s(Timestamp.format(nextAttemptAt)) }
        return item
    }

    init?(item: DynamoDBItem) {
        guard let status = item["status"]?.string.flatMap(Status.init(rawValue:)) else { return nil }
        self.init(
            status: status, attempts: item["attempts"]?.int ?? 0, lastStatus: item["last_status"]?.int, lastError: item["last_error"]?.string,
            nextAttemptAt: item["next_attempt_at"]?.string.flatMap(Timestamp.parse))
    }
}
