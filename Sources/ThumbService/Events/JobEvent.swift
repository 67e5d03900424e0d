import AWSKit
import Foundation
import Logging

/// One event on the events queue (`THUMBD_EVENTS_QUEUE`): a job with a callback URL ended. thumbd-api's
/// webhook delivery reads it, renders the job as it then is, and posts it. The message is small (the
/// job is read back at delivery), so it never nears SQS's size limit.
public struct JobEvent: Codable, Sendable, Equatable {
    /// The Standard Webhooks event types thumbd sends.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case complete = "job.complete"
        case failed = "job.failed"
        case cancelled = "job.cancelled"
    }

    /// The `webhook-id`: the same for every attempt and every send of this event (a receiver
    /// deduplicates by it), different for each time a job ends (a redriven job that fails again is a
    /// new event).
    public var id: String
    public var type: Kind
    public var jobID: String
    /// When the job ended (RFC 3339 UTC), the body's `timestamp`.
    public var timestamp: String

    enum CodingKeys: String, CodingKey {
        case id
        case type
        case jobID = "job_id"
        case timestamp
    }

    public init(id: String, type: Kind, jobID: String, timestamp: String) {
        self.id = id
        self.type = type
        self.jobID = jobID
        self.timestamp = timestamp
    }

    /// The event of a job that has ended; nil while it has not.
    public init?(record: JobRecord) {
        let kind: Kind
        switch record.status {
        case .complete: kind = .complete
        case .failed: kind = .failed
        case .cancelled: kind = .cancelled
        case .pending, .processing: return nil
        }
        let ended = Timestamp.format(record.finishedAt ?? record.createdAt)
        // Derived, not random: two sends of one ending (a retried write) carry the same id.
        let digest = Hashing.sha256Hex("\(record.id)\n\(kind.rawValue)\n\(ended)")
        self.init(id: "evt_" + digest.prefix(32), type: kind, jobID: record.id, timestamp: ended)
    }

    /// The message body.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Reads a message body.
    /// - Throws: `DecodingError` for a body that is not an event.
    public static func parse(_ body: String) throws -> JobEvent {
        try JSONDecoder().decode(JobEvent.self, from: Data(body.utf8))
    }
}

/// Sends job events to the events queue, after the job's final state is written (so delivery
/// always reads an ended job). A job without a callback URL has no event.
public struct JobEvents: Sendable {
    public let sqs: SQSClient
    public let queueURL: String
    /// Where an event that could not be sent is recorded (`webhook` `failed`, so the owner sees it).
    public let store: JobStore?

    public init(sqs: SQSClient, queueURL: String, store: JobStore?) {
        self.sqs = sqs
        self.queueURL = queueURL
        self.store = store
    }

    /// Records on the job that its webhook will not come (the owner sees `webhook.status` `failed`
    /// with why, and can ask for it again).
    public static func recordUnsent(_ record: JobRecord, why: String, store: JobStore?, logger: Logger) async {
        logger.error("a job's webhook event was not sent", metadata: ["job.id": "\(record.id)", "error": "\(why)"])
        let delivery = WebhookDelivery(
            status: .failed, lastError: "the event was not queued; POST /v1/jobs/\(record.id)/webhook/redeliver sends it")
        do {
            // Unless an attempt was recorded meanwhile (SQS took the event after all).
            try await store?.setWebhook(record.id, delivery, onlyIfUnset: true)
        } catch {
            logger.error("recording an unsent webhook failed", metadata: ["job.id": "\(record.id)", "error": "\(error)"])
        }
    }

    /// Sends the event of `record` if it has ended and has a callback URL.
    /// - Returns: the event sent, or nil.
    /// - Throws: what SendMessage throws (the caller logs it: the job stays as it ended, and
    ///   `POST /v1/jobs/{id}/webhook/redeliver` sends the event again).
    @discardableResult
    public func jobEnded(_ record: JobRecord) async throws -> JobEvent? {
        guard record.callbackURL != nil, let event = JobEvent(record: record) else { return nil }
        _ = try await sqs.sendMessage(queueUrl: queueURL, body: event.json)
        return event
    }

    /// `jobEnded`, recording a failure on the job (`recordUnsent`) instead of throwing it (the SQS
    /// client has retried it already).
    public func jobEnded(_ record: JobRecord, logger: Logger) async {
        do {
            try await jobEnded(record)
        } catch {
            await Self.recordUnsent(record, why: "\(error)", store: store, logger: logger)
        }
    }
}
