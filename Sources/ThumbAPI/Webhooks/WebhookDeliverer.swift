import AWSKit
import Foundation
import Logging
import ServiceLifecycle
import ThumbService

/// Delivers job events (`JobEvent`, from `THUMBD_EVENTS_QUEUE`) as webhooks: long-polls the events
/// queue, and for each event reads the job, renders its document, signs the body with the owner's
/// secret (`WebhookSignature`) and posts it (`WebhookSender`). Any 2xx answer delivers it (the
/// message is deleted). Otherwise the message is hidden until the next attempt is due
/// (ChangeMessageVisibility to the retry schedule's delay: the queue itself keeps the schedule, so
/// a restart loses nothing); after the last attempt it goes to the events queue's dead-letter queue.
/// The attempt number is the message's receive count. Each attempt's result is written to the job
/// (`webhook` in its document).
struct WebhookDeliverer: Service {
    let sqs: SQSClient
    let eventsURL: String
    let store: JobStore
    let secrets: WebhookSecretStore
    let renderer: JobDocumentRenderer
    let sender: WebhookSender
    /// Seconds before each retry (`APISettings.webhookRetryDelays`).
    let retryDelays: [Int]
    let logger: Logger
    let now: @Sendable () -> Date

    /// How long a received event stays hidden while its attempt runs (the attempt takes at most 10 s).
    static let attemptVisibility = 60
    static let errorCode = "webhook_failed"

    /// Delivers until graceful shutdown: the receive waiting then is abandoned, attempts under way
    /// finish (10 s at most), so none is cut off and counted failed when the receiver may have it.
    func run() async throws {
        guard let deadLetterURL = await findDeadLetterQueue() else { return }  // shut down meanwhile
        if deadLetterURL.isEmpty {
            logger.warning("the events queue has no dead-letter queue: webhooks that fail for good are deleted after their last attempt",
                metadata: ["queue.url": "\(eventsURL)"])
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let received = await cancelWhenGracefulShutdown {
                try await sqs.receiveMessage(queueUrl: eventsURL, maxMessages: 10, waitSeconds: 20, visibilityTimeout: Self.attemptVisibility)
            }
            let messages: [SQSMessage]
            switch received {
            case .success(let list):
                messages = list
            case .failure(let error):
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("receiving events failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for message in messages { group.addTask { await deliver(message, deadLetterURL: deadLetterURL.isEmpty ? nil : deadLetterURL) } }
            }
        }
    }

    /// `body` as a Result, abandoned (cancelled) on graceful shutdown.
    private func cancelWhenGracefulShutdown<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        do {
            return .success(try await ServiceLifecycle.cancelWhenGracefulShutdown(body))
        } catch {
            return .failure(error)
        }
    }

    /// One attempt for one event, and what follows from it.
    func deliver(_ message: SQSMessage, deadLetterURL: String?) async {
        guard let event = try? JobEvent.parse(message.body) else {
            await giveUp(message, reason: "the message is not a job event", deadLetterURL: deadLetterURL)
            return
        }
        let record: JobRecord?
        do {
            record = try await store.get(event.jobID)
        } catch {
            // It comes back when its visibility ends.
            logger.warning("reading a job for its webhook failed", metadata: ["job.id": "\(event.jobID)", "error": "\(error)"])
            return
        }
        guard let record, let callback = record.callbackURL else {
            logger.info("webhook dropped: the job is gone", metadata: ["job.id": "\(event.jobID)", "webhook.id": "\(event.id)"])
            try? await sqs.deleteMessage(queueUrl: eventsURL, receiptHandle: message.receiptHandle)
            return
        }
        let attempt = message.receiveCount
        let result = await post(event, record: record, to: callback)
        var delivery = WebhookDelivery(status: .delivered, attempts: attempt, lastStatus: result.status, lastError: result.error)
        var metadata: Logger.Metadata = [
            "job.id": "\(record.id)", "webhook.id": "\(event.id)", "webhook.type": "\(event.type.rawValue)", "webhook.attempt": "\(attempt)",
        ]
        if let status = result.status { metadata["webhook.status"] = "\(status)" }
        if let error = result.error { metadata["error"] = "\(error)" }
        if let detail = result.detail { metadata["error.detail"] = "\(detail)" }
        if result.succeeded {
            await save(delivery, of: record.id)
            do {
                try await sqs.deleteMessage(queueUrl: eventsURL, receiptHandle: message.receiptHandle)
            } catch {
                // It comes back and is delivered again, with the same webhook-id (receivers deduplicate).
                logger.warning("deleting a delivered event failed", metadata: ["webhook.id": "\(event.id)", "error": "\(error)"])
            }
            logger.info("webhook delivered", metadata: metadata)
        } else if attempt <= retryDelays.count {
            let delay = retryDelays[attempt - 1]
            delivery.status = .pending
            delivery.nextAttemptAt = now().addingTimeInterval(TimeInterval(delay))
            await save(delivery, of: record.id)
            do {
                try await sqs.changeMessageVisibility(queueUrl: eventsURL, receiptHandle: message.receiptHandle, visibilityTimeout: delay)
            } catch {
                // The attempt comes back when its visibility ends (a minute) instead.
                logger.warning("scheduling a webhook retry failed", metadata: ["webhook.id": "\(event.id)", "error": "\(error)"])
            }
            metadata["webhook.retry_in_s"] = "\(delay)"
            logger.warning("webhook attempt failed", metadata: metadata)
        } else {
            delivery.status = .failed
            await save(delivery, of: record.id)
            await giveUp(message, reason: "\(attempt) attempts failed; the last: \(result.error ?? "")", deadLetterURL: deadLetterURL)
            logger.warning("webhook failed", metadata: metadata)
        }
    }

    /// Signs and posts the event (with the job as it is now).
    private func post(_ event: JobEvent, record: JobRecord, to url: String) async -> WebhookSender.Attempt {
        let owned: WebhookSecretStore.Secrets?
        do {
            owned = try await secrets.secrets(owner: record.owner, now: now())
        } catch {
            return WebhookSender.Attempt(error: "the signing secret could not be read", detail: "\(error)")
        }
        guard let owned else {
            return WebhookSender.Attempt(
                error: "the owner has no webhook signing secret (thumbctl webhook-secret rotate --owner \(record.owner) makes one)")
        }
        let keys = [owned.current, owned.previous].compactMap { $0.flatMap(WebhookSecretStore.key(of:)) }
        var document: JobDocument
        do {
            document = try await renderer.document(record)
        } catch {
            return WebhookSender.Attempt(error: "the job could not be rendered", detail: "\(error)")
        }
        document.webhook = nil
        let body = JobDocumentRenderer.json(WebhookBody(type: event.type.rawValue, timestamp: event.timestamp, data: document))
        return await sender.send(to: url, id: event.id, at: now(), body: body, keys: keys)
    }

    private func save(_ delivery: WebhookDelivery, of id: String) async {
        do {
            try await store.setWebhook(id, delivery)
        } catch {
            logger.warning("recording a webhook attempt failed", metadata: ["job.id": "\(id)", "error": "\(error)"])
        }
    }

    /// Moves an event to the dead-letter queue (with why), or deletes it when there is none.
    private func giveUp(_ message: SQSMessage, reason: String, deadLetterURL: String?) async {
        if let deadLetterURL {
            do {
                _ = try await sqs.sendMessage(
                    queueUrl: deadLetterURL, body: message.body,
                    attributes: [
                        "thumbd.error_code": .string(Self.errorCode), "thumbd.error_message": .string(String(reason.prefix(1000))),
                        "thumbd.source_queue": .string(eventsURL), "thumbd.receive_count": .number(message.receiveCount),
                    ])
            } catch {
                logger.error("dead-lettering an event failed", metadata: ["message.id": "\(message.messageId)", "error": "\(error)"])
                return  // it comes back, and is given up again
            }
        }
        try? await sqs.deleteMessage(queueUrl: eventsURL, receiptHandle: message.receiptHandle)
    }

    /// The events queue's dead-letter queue: its RedrivePolicy's target, else `<events>-dlq`; `""`
    /// when there is none. Other failures are retried (a passing outage must not turn dead-lettering
    /// into deletion for the process's life); nil once shutdown begins.
    private func findDeadLetterQueue() async -> String? {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let policy = try await sqs.getQueueAttributes(queueUrl: eventsURL, names: ["RedrivePolicy"])["RedrivePolicy"]
                let target = ServiceQueues.redriveTarget(policy)
                do {
                    return try await sqs.getQueueUrl(
                        name: target?.name ?? ServiceQueues.conventionalDeadLetterName(queue: eventsURL), ownerAccountId: target?.account)
                } catch let error as AWSServiceError where error.isQueueDoesNotExist {
                    return ""
                }
            } catch let error as AWSServiceError where !error.isRetryable {
                // Access denied and the like will not clear by waiting: deliver without one.
                logger.error("the events dead-letter queue cannot be looked up", metadata: ["error": "\(error)"])
                return ""
            } catch {
                logger.warning("finding the events dead-letter queue failed; trying again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
        return nil
    }
}

/// A webhook's body: `{"type", "timestamp", "data"}` (the Standard Webhooks payload structure), the
/// data being the job document.
struct WebhookBody: Encodable {
    let type: String
    let timestamp: String
    let data: JobDocument
}
