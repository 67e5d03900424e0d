import AWSKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ThumbAPI
@testable import ThumbService

/// Reading, waiting, listing, cancelling, purging and the output redirect, through the router against
/// moto_server. A worker's part is played by `JobStore` moves (the live tests run a real thumbd).
@Suite("Job routes", .enabled(if: Moto.available, Moto.skipNote))
struct JobRoutesTests {
    /// Creates a job by upload; its id.
    static func upload(_ client: any TestClientProtocol, key: String, headers extra: HTTPFields = [:], photo: String = "owl.jpg") async throws
        -> TestResponse
    {
        let form = Bodies.multipart(image: try Bodies.photo(photo))
        var headers: HTTPFields = [.contentType: form.contentType, .authorization: "Bearer \(key)"]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: "/v1/jobs", method: .post, headers: headers, body: form.body)
    }

    static func finish(_ harness: APIHarness, _ id: String) async throws {
        _ = try await harness.store.start(id, at: Date())
        try await harness.clients.s3.putObject(bucket: harness.outputs, key: "\(id)/owl-200x200.jpg", body: Data("thumb".utf8))
        try await harness.store.complete(
            id, outputs: [.init(bucket: harness.outputs, key: "\(id)/owl-200x200.jpg", width: 200, height: 200, bytes: 5, contentType: "image/jpeg")],
            source: nil, timingsMs: [:], at: Date())
    }

    @Test("GET: 200 in every live state; 404 for an unknown id and for another owner's job; 410 once expired; 401 without a key")
    func readAndOwnership() async throws {
        let harness = try await APIHarness(["THUMBD_JOB_TTL": "3600"])
        let alice = try await harness.key("alice")
        let bob = try await harness.key("bob")
        try await harness.test { client in
            let created = try await Self.upload(client, key: alice)
            let id = try #require(created.json["id"] as? String)
            let path = "/v1/jobs/\(id)"
            let pending = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(pending.status == .ok && pending.json["status"] as? String == "pending")
            _ = try await harness.store.start(id, at: Date())
            let processing = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(processing.json["status"] as? String == "processing" && processing.json["attempts"] as? Int == 1)

            let other = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(bob)"])
            let unknown = try await client.execute(uri: "/v1/jobs/nosuchjob", method: .get, headers: [.authorization: "Bearer \(bob)"])
            #expect(other.status == .notFound && unknown.status == .notFound)
            #expect(other.json["detail"] as? String == "no job \(id)", "the same answer as an unknown id")
            #expect(other.code == "not_found")

            let anonymous = try await client.execute(uri: path, method: .get)
            #expect(anonymous.status == .unauthorized && anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let wrong = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer thk_aaaaaaaaaa_nope"])
            #expect(wrong.status == .unauthorized && wrong.code == "unauthorized")

            harness.clock.advance(3601)
            let gone = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(gone.status == .gone && gone.code == "expired")
        }
    }

    @Test("a revoked key stops working at once")
    func revokedKey() async throws {
        let harness = try await APIHarness()
        let (entry, key) = try await harness.keys.create(owner: "alice")
        try await harness.test { client async throws -> Void in
            #expect(try await client.execute(uri: "/v1/jobs", method: .get, headers: [.authorization: "Bearer \(key)"]).status == .ok)
            #expect(try await harness.keys.revoke(id: entry.id))
            #expect(try await client.execute(uri: "/v1/jobs", method: .get, headers: [.authorization: "Bearer \(key)"]).status == .unauthorized)
        }
    }

    @Test("Prefer: wait holds the answer: 201 with the finished job within a second of its end; 202 when the wait runs out")
    func preferWait() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        try await harness.test { client in
            let started = ContinuousClock.now
            let timedOut = try await Self.upload(client, key: key, headers: [.prefer: "respond-async, wait=1"])
            #expect(timedOut.status == .accepted && timedOut.headers[.preferenceApplied] == "wait=1")
            #expect(started.duration(to: .now) >= .seconds(1))
            let first = timedOut.json["id"] as? String

            // A "worker" finishes the job 1.5 s after it is queued.
            let finisher = Task {
                for _ in 0..<100 {
                    if let message = try await harness.clients.sqs.receiveMessage(queueUrl: harness.queueURL, maxMessages: 1, waitSeconds: 1).first,
                        case .jobs(let jobs) = try JobMessageParser(defaultSizes: []).parse(message.body), let id = jobs.first?.recordId,
                        id != first
                    {
                        try await Task.sleep(for: .milliseconds(1500))
                        try await Self.finish(harness, id)
                        return ContinuousClock.now
                    }
                }
                return ContinuousClock.now
            }
            let waited = try await Self.upload(client, key: key, headers: [.prefer: "wait=20"])
            let answered = ContinuousClock.now
            let finished = try await finisher.value
            #expect(waited.status == .created)
            #expect(waited.json["status"] as? String == "complete")
            #expect((waited.json["outputs"] as? [[String: Any]])?.count == 1)
            // Rounds start every second; a round's reads and the answer add some; a loaded CI machine more.
            #expect(finished.duration(to: answered) < .milliseconds(2500), "answered about a second after the end")
        }
    }

    @Test("GET ?wait=N returns when the state changes")
    func getWait() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        try await harness.test { client in
            let id = try #require(try await Self.upload(client, key: key).json["id"] as? String)
            let mover = Task {
                try await Task.sleep(for: .milliseconds(700))
                _ = try await harness.store.start(id, at: Date())
            }
            let changed = try await client.execute(uri: "/v1/jobs/\(id)?wait=10", method: .get, headers: [.authorization: "Bearer \(key)"])
            try await mover.value
            #expect(changed.json["status"] as? String == "processing")
        }
    }

    @Test("list: newest first, in pages with an opaque cursor, by status; only the caller's; bad parameters 400")
    func list() async throws {
        let harness = try await APIHarness()
        let alice = try await harness.key("alice")
        let bob = try await harness.key("bob")
        try await harness.test { client in
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(try #require(try await Self.upload(client, key: alice).json["id"] as? String))
                try await Task.sleep(for: .milliseconds(5))
            }
            _ = try await Self.upload(client, key: bob)
            try await Self.finish(harness, ids[0])
            let auth: HTTPFields = [.authorization: "Bearer \(alice)"]
            let first = try await client.execute(uri: "/v1/jobs?limit=2", method: .get, headers: auth)
            let firstIDs = (first.json["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(firstIDs == [ids[2], ids[1]])
            let cursor = try #require(first.json["next_cursor"] as? String)
            let escaped = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
            let second = try await client.execute(uri: "/v1/jobs?limit=2&cursor=\(escaped)", method: .get, headers: auth)
            #expect((second.json["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            #expect(second.json["next_cursor"] is NSNull)
            let complete = try await client.execute(uri: "/v1/jobs?status=complete", method: .get, headers: auth)
            #expect((complete.json["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            for bad in ["status=done", "limit=0", "limit=101", "cursor=garbage!"] {
                let response = try await client.execute(uri: "/v1/jobs?\(bad)", method: .get, headers: auth)
                #expect(response.status == .badRequest && response.code == "bad_request", "\(bad)")
            }
        }
    }

    @Test("DELETE cancels a pending job (200, cancelled), then 409 job_finished; purge deletes outputs and the upload, then 410")
    func cancelAndPurge() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        let auth: HTTPFields = [.authorization: "Bearer \(key)"]
        try await harness.test { client in
            let id = try #require(try await Self.upload(client, key: key).json["id"] as? String)
            let cancelled = try await client.execute(uri: "/v1/jobs/\(id)", method: .delete, headers: auth)
            #expect(cancelled.status == .ok && cancelled.json["status"] as? String == "cancelled")
            let again = try await client.execute(uri: "/v1/jobs/\(id)", method: .delete, headers: auth)
            #expect(again.status == .conflict && again.code == "job_finished")
            // Cancelled stays cancelled: a worker cannot start it.
            await #expect(throws: JobStore.Conflict.self) { _ = try await harness.store.start(id, at: Date()) }

            let done = try #require(try await Self.upload(client, key: key).json["id"] as? String)
            try await Self.finish(harness, done)
            // A thumbnail an earlier, failed run left under the job's prefix: not in the record, still purged.
            try await harness.clients.s3.putObject(bucket: harness.outputs, key: "\(done)/owl-64x64.jpg", body: Data("stray".utf8))
            let conflict = try await client.execute(uri: "/v1/jobs/\(done)", method: .delete, headers: auth)
            #expect(conflict.status == .conflict)
            #expect(try await harness.keys(in: harness.uploads).contains { $0.hasPrefix(done) })
            let purged = try await client.execute(uri: "/v1/jobs/\(done)?purge=true", method: .delete, headers: auth)
            #expect(purged.status == .ok)
            #expect(try await harness.keys(in: harness.outputs).filter { $0.hasPrefix(done) }.isEmpty)
            #expect(try await harness.keys(in: harness.uploads).filter { $0.hasPrefix(done) }.isEmpty)
            let gone = try await client.execute(uri: "/v1/jobs/\(done)", method: .get, headers: auth)
            #expect(gone.status == .gone)
        }
    }

    @Test("outputs/n: 303 to the output's URL (public-read: its plain URL; private: a presigned GET); a missing n is 404")
    func outputRedirect() async throws {
        for acl in ["public-read", "private"] {
            let harness = try await APIHarness(["THUMBD_ACL": acl])
            let key = try await harness.key()
            try await harness.test { client in
                let id = try #require(try await Self.upload(client, key: key).json["id"] as? String)
                try await Self.finish(harness, id)
                let redirect = try await client.execute(uri: "/v1/jobs/\(id)/outputs/0", method: .get, headers: [.authorization: "Bearer \(key)"])
                #expect(redirect.status == .seeOther)
                let location = try #require(redirect.headers[.location])
                #expect(location.contains("/\(harness.outputs)/\(id)/owl-200x200.jpg"))
                #expect(location.contains("X-Amz-Signature=") == (acl == "private"), "\(acl): \(location)")
                let missing = try await client.execute(uri: "/v1/jobs/\(id)/outputs/5", method: .get, headers: [.authorization: "Bearer \(key)"])
                #expect(missing.status == .notFound)
            }
        }
    }

    @Test("Idempotency-Key after a failed request: the key is free again, and the retry makes the job")
    func idempotencyAfterFailure() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        try await harness.clients.s3.deleteBucket(harness.uploads)
        try await harness.test { client in
            let failed = try await Self.upload(client, key: key, headers: [.idempotencyKey: "retry-me"])
            #expect(failed.status == .serviceUnavailable && failed.code == "upload_failed", "\(failed.json)")
            #expect((failed.json["detail"] as? String)?.contains(harness.uploads) == false, "no bucket names in the answer")
            try await UploadBucket.create(harness.uploads, ttl: .seconds(3600), s3: harness.clients.s3)
            let retried = try await Self.upload(client, key: key, headers: [.idempotencyKey: "retry-me"])
            #expect(retried.status == .accepted, "\(retried.json)")
        }
    }

    @Test("Idempotency-Key: the same request again is the same job (one message); a different request with it is 422")
    func idempotency() async throws {
        let harness = try await APIHarness()
        let key = try await harness.key()
        try await harness.test { client in
            let first = try await Self.upload(client, key: key, headers: [.idempotencyKey: "order-17"])
            let second = try await Self.upload(client, key: key, headers: [.idempotencyKey: "order-17"])
            #expect(first.status == .accepted)
            #expect(second.status == .ok && second.headers[.idempotentReplayed] == "true")
            #expect(first.json["id"] as? String == second.json["id"] as? String)
            #expect(second.headers[.location] == first.headers[.location])
            let different = try await Self.upload(client, key: key, headers: [.idempotencyKey: "order-17"], photo: "street.jpg")
            #expect(different.status == .unprocessableContent && different.code == "idempotency_key_reused")
            // Another owner's same key is theirs.
            let bob = try await harness.key("bob")
            let other = try await Self.upload(client, key: bob, headers: [.idempotencyKey: "order-17"])
            #expect(other.status == .accepted && other.json["id"] as? String != first.json["id"] as? String)
        }
        #expect(try await harness.messages().count == 2)
    }
}
