import AWSKit
import Foundation
import Hummingbird
import ThumbService

extension JobsController {
    /// `POST /v1/jobs/{id}/webhook/redeliver`: sends the ended job's event again (same `webhook-id`,
    /// attempts counted from 0, the whole retry schedule ahead); 202 with the job.
    /// - Throws: `Problem` `not_found` (not the caller's), `expired`, `job_not_finished`,
    ///   `no_callback_url`, `jobs_table`, `unavailable` (the events queue cannot be reached).
    @Sendable func redeliver(_ request: Request, context: APIContext) async throws -> Response {
        var record = try await ownRecord(context)
        guard record.callbackURL != nil else { throw Problem(.noCallbackURL, "job \(record.id) was made without a callback_url") }
        guard record.status.isFinal else {
            throw Problem(.jobNotFinished, "job \(record.id) is \(record.status.rawValue); its webhook is sent when it ends")
        }
        guard let events else {
            throw Problem(.unavailable, "this server sends no webhooks (it has no events queue, THUMBD_EVENTS_QUEUE)")
        }
        let delivery = WebhookDelivery(status: .pending, attempts: 0, nextAttemptAt: now())
        do {
            try await store.setWebhook(record.id, delivery)
        } catch {
            throw tableFailure(error, "the webhook could not be reset", context: context)
        }
        record.webhook = delivery
        do {
            try await events.jobEnded(record)
        } catch {
            logger.error("queueing a webhook failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
            throw Problem(.unavailable, "the webhook could not be queued; retry (quote request id \(context.requestID))")
        }
        return try await respond(record, status: .accepted)
    }
}
