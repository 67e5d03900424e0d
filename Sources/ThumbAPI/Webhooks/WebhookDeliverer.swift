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

    func run() async throws {
        let deadLetterURL = await findDeadLetterQueue()
        if deadLetterURL == nil {
            logger.warning("the events queue has no dead-letter queue: webhooks that fail for good are deleted after their last attempt",
                metadata: ["queue.url": "\(eventsURL)"])
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let messages: [SQSMessage]
                do {
                    messages = try await sqs.receiveMessage(
                        queueUrl: eventsURL, maxMessages: 10, waitSeconds: 20, visibilityTimeout: Self.attemptVisibility)
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("receiving events failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(2))
                    continue
                }
                await withTaskGroup(of: Void.self) { group in
                    for message in messages { group.addTask { await deliver(message, deadLetterURL: deadLetterURL) } }
                }
            }
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
        if result.succeeded {
            await save(delivery, of: record.id)
            try? await sqs.deleteMessage(queueUrl: eventsURL, receiptHandle: message.receiptHandle)
            logger.info("webhook delivered", metadata: metadata)
        } else if attempt <= retryDelays.count {
            let delay = retryDelays[attempt - 1]
            delivery.status = .pending
            delivery.nextAttemptAt = now().addingTimeInterval(TimeInterval(delay))
            await save(delivery, of: record.id)
            // Should this fail, the attempt is repeated when the visibility ends (a minute).
            try? await sqs.changeMessageVisibility(queueUrl: eventsURL, receiptHandle: message.receiptHandle, visibilityTimeout: delay)
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
            return WebhookSender.Attempt(error: "the signing secret could not be read")
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
            return WebhookSender.Attempt(error: "the job could not be rendered: \(error)")
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

    /// The events queue's dead-letter queue: its RedrivePolicy's target, else `<events>-dlq`.
    private func findDeadLetterQueue() async -> String? {
        if let policy = try? await sqs.getQueueAttributes(queueUrl: eventsURL, names: ["RedrivePolicy"])["RedrivePolicy"],
            let target = ServiceQueues.redriveTarget(policy)
        {
            return try? await sqs.getQueueUrl(name: target.name, ownerAccountId: target.account)
        }
        return try? await sqs.getQueueUrl(name: ServiceQueues.conventionalDeadLetterName(queue: eventsURL))
    }
}

/// A webhook's body: `{"type", "timestamp", "data"}` (the Standard Webhooks payload structure), the
/// data being the job document.
struct WebhookBody: Encodable {
    let type: String
    let timestamp: String
    let data: JobDocument
}
