import AWSKit
import Foundation
import TestSupport
import Testing

@testable import ThumbService

/// Webhooks end to end: thumbd-api and thumbd against moto_server, the events queue made by
/// `thumbctl setup`, and the Python receiver verifying every signature from the specification.
@Suite("Webhooks live", .enabled(if: Moto.available && Binaries.available, Moto.skipNote), .serialized)
struct WebhookLiveTests {
    @Test("cancel and complete events delivered and verified; two failures then success; redeliver; a dead end ends failed in the events DLQ; refusals")
    func webhooks() async throws {
        let events = "live-ev-\(UUID().uuidString.prefix(8).lowercased())"
        var service = try await LiveService([
            "THUMBD_EVENTS_QUEUE": events, "THUMBD_WEBHOOK_ALLOW_HTTP": "true", "THUMBD_WEBHOOK_ALLOW_PRIVATE": "true",
            "THUMBD_WEBHOOK_RETRY_DELAYS": "1,1,1",
        ])
        let (alice, secret) = try await service.keyAndSecret("alice")
        #expect(secret.hasPrefix("whsec_") && (WebhookSecretStore.key(of: secret)?.count ?? 0) >= 24)
        #expect(try await service.keyAndSecret("alice").secret == secret, "one secret per owner, whatever the number of keys")
        let bob = try await service.key("bob")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("live-webhooks-\(events).jsonl")
        let receiver = try PeerProcess("webhook_receiver.py", [log.path, secret, "500,503"])
        defer { receiver.stop() }
        try await service.startAPI()
        let auth = ["-H", "Authorization: Bearer \(alice)"]
        let photo = "image=@\(Bodies.photos.appendingPathComponent("owl.jpg").path)"
        let callback = "callback_url=\(receiver.url)/hooks/thumbd"

        // Refused at submission, nothing made.
        for bad in ["http://169.254.169.254/latest", "ftp://example.com/", "http://u:p@127.0.0.1/"] {
            let refused = try await service.curl(auth + ["-F", photo, "-F", "callback_url=\(bad)", "\(service.base)/v1/jobs"])
            #expect(refused.status == 422 && LiveService.json(refused.body)["code"] as? String == "invalid_callback_url", "\(bad): \(refused.body)")
        }

        // An owner without a signing secret (a key made before webhooks existed): refused, not accepted
        // and never delivered.
        let carol = try await APIKeyStore(dynamo: Moto.clients.dynamo, table: service.table).create(owner: "carol").key
        let unsigned = try await service.curl(["-H", "Authorization: Bearer \(carol)", "-F", photo, "-F", callback, "\(service.base)/v1/jobs"])
        #expect(unsigned.status == 422 && (LiveService.json(unsigned.body)["detail"] as? String)?.contains("webhook-secret rotate --owner carol") == true, "\(unsigned.body)")

        // A job cancelled before any worker runs: job.cancelled, after two failed attempts.
        let first = try await service.curl(auth + ["-F", photo, "-F", callback, "\(service.base)/v1/jobs"])
        let firstLocation = try #require(first.headers["location"], "\(first.status) \(first.body)")
        let pending = LiveService.json(first.body)
        #expect(pending["callback_url"] as? String == "\(receiver.url)/hooks/thumbd")
        #expect((pending["webhook"] as? [String: Any])?["status"] as? String == "pending")
        let early = try await service.curl(auth + ["-F", photo, "-F", callback, "\(service.base)/v1/jobs"])
        let earlyLocation = try #require(early.headers["location"])
        let notEnded = try await service.curl(auth + ["-X", "POST", service.base + earlyLocation + "/webhook/redeliver"])
        #expect(notEnded.status == 409 && LiveService.json(notEnded.body)["code"] as? String == "job_not_finished")
        #expect(try await service.curl(auth + ["-X", "DELETE", service.base + firstLocation]).status == 200)
        let cancelled = try await service.poll(firstLocation, key: alice, seconds: 30) {
            ($0["webhook"] as? [String: Any])?["status"] as? String == "delivered"
        }
        let cancelHook = try #require(cancelled["webhook"] as? [String: Any], "\(cancelled)")
        #expect(cancelHook["status"] as? String == "delivered" && cancelHook["attempts"] as? Int == 3, "\(cancelHook)")
        #expect(cancelHook["last_status"] as? Int == 204 && cancelHook["next_attempt_at"] is NSNull)
        let firstID = String(firstLocation.split(separator: "/").last ?? "")
        var entries = WebhookSenderTests.entries(log).filter { ($0["body"] as? String)?.contains(firstID) == true }
        #expect(entries.map { $0["answered"] as? Int } == [500, 503, 204], "\(entries)")
        #expect(entries.allSatisfy { $0["verified"] as? Bool == true }, "the Python verifier: \(entries.map { $0["reason"] ?? "" })")
        #expect(Set(entries.compactMap { $0["id"] as? String }).count == 1, "one webhook-id across the retries")
        #expect(entries.allSatisfy { $0["path"] as? String == "/hooks/thumbd" && $0["content_type"] as? String == "application/json" })
        let body = LiveService.json(try #require(entries.last?["body"] as? String))
        #expect(body["type"] as? String == "job.cancelled" && body["timestamp"] is String)
        let data = body["data"] as? [String: Any]
        #expect(data?["id"] as? String == firstID && data?["status"] as? String == "cancelled" && data?["webhook"] is NSNull)

        // A job that completes: job.complete on the first attempt.
        let worker = try service.startWorker()
        let done = try await service.curl(auth + ["-H", "Prefer: wait=30", "-F", photo, "-F", callback, "-F", "priority=high", "\(service.base)/v1/jobs"])
        #expect(done.status == 201, "\(done.body)")
        let doneLocation = try #require(done.headers["location"])
        let doneID = String(doneLocation.split(separator: "/").last ?? "")
        #expect(LiveService.json(done.body)["priority"] as? String == "high")
        let complete = try await service.poll(doneLocation, key: alice) { ($0["webhook"] as? [String: Any])?["status"] as? String == "delivered" }
        #expect((complete["webhook"] as? [String: Any])?["attempts"] as? Int == 1, "\(complete)")
        entries = WebhookSenderTests.entries(log).filter { ($0["body"] as? String)?.contains(doneID) == true }
        let completeEvent = try #require(entries.first)
        #expect(completeEvent["verified"] as? Bool == true)
        let completeBody = LiveService.json(completeEvent["body"] as? String ?? "")
        #expect(completeBody["type"] as? String == "job.complete")
        #expect(((completeBody["data"] as? [String: Any])?["outputs"] as? [Any])?.count == 1)

        // Redeliver: the same event again, counted from 0; bob cannot.
        #expect(try await service.curl(["-X", "POST", "-H", "Authorization: Bearer \(bob)", service.base + doneLocation + "/webhook/redeliver"]).status == 404)
        let again = try await service.curl(auth + ["-X", "POST", service.base + doneLocation + "/webhook/redeliver"])
        #expect(again.status == 202, "\(again.body)")
        #expect((LiveService.json(again.body)["webhook"] as? [String: Any])?["attempts"] as? Int == 0)
        let redelivered = await eventually(30) {
            WebhookSenderTests.entries(log).filter { ($0["body"] as? String)?.contains(doneID) == true }.count == 2
        }
        #expect(redelivered)
        entries = WebhookSenderTests.entries(log).filter { ($0["body"] as? String)?.contains(doneID) == true }
        #expect(entries.count == 2 && entries[0]["id"] as? String == entries[1]["id"] as? String && entries[1]["verified"] as? Bool == true)
        let plain = try await service.curl(auth + ["-H", "Prefer: wait=30", "-F", photo, "\(service.base)/v1/jobs"])
        let plainLocation = try #require(plain.headers["location"])
        let noHook = try await service.curl(auth + ["-X", "POST", service.base + plainLocation + "/webhook/redeliver"])
        #expect(noHook.status == 409 && LiveService.json(noHook.body)["code"] as? String == "no_callback_url")

        // Nobody listening: four attempts (three delays), then failed, the event in the events DLQ.
        let closed = try PeerProcess("webhook_receiver.py", [log.path, secret])
        let deadURL = closed.url
        closed.stop()
        let dead = try await service.curl(auth + ["-F", photo, "-F", "callback_url=\(deadURL)/gone", "\(service.base)/v1/jobs"])
        let deadLocation = try #require(dead.headers["location"])
        let failed = try await service.poll(deadLocation, key: alice, seconds: 60) {
            ($0["webhook"] as? [String: Any])?["status"] as? String == "failed"
        }
        let failedHook = try #require(failed["webhook"] as? [String: Any], "\(failed)")
        #expect(failedHook["status"] as? String == "failed" && failedHook["attempts"] as? Int == 4, "\(failedHook)")
        #expect(failedHook["last_status"] is NSNull && (failedHook["last_error"] as? String)?.isEmpty == false)
        let dlq = try await Moto.clients.sqs.getQueueUrl(name: events + "-dlq")
        let deadLettered = try await Moto.clients.sqs.receiveMessage(queueUrl: dlq, maxMessages: 10, waitSeconds: 2)
        #expect(deadLettered.contains { $0.messageAttributes?["thumbd.error_code"]?.stringValue == "webhook_failed" && $0.body.contains(String(deadLocation.split(separator: "/").last ?? "")) })

        worker.signal(SIGTERM)
        #expect(await worker.wait() == 0)
        service.api?.signal(SIGTERM)
        #expect(await service.api?.wait() == 0)
    }
}
