import AWSKit
import Foundation
import TestSupport
import Testing

@testable import ThumbService

/// thumbd and thumbctl with a jobs table, end to end against moto_server: thumbd moves the records of
/// the messages that name one, and thumbctl makes the table, the upload bucket and the API keys.
@Suite("Job records end to end", .enabled(if: Moto.available, Moto.skipNote), .serialized)
struct JobRecordServiceTests {
    let fixture: ServiceFixture
    let table: String
    let uploads: String
    let store: JobStore

    init() async throws {
        fixture = try await ServiceFixture()
        let id = UUID().uuidString.prefix(8).lowercased()
        table = "jobs-table-\(id)"
        uploads = "uploads-\(id)"
        store = JobStore(dynamo: Moto.dynamo, table: table)
    }

    var environment: [String: String] {
        ["THUMBD_JOBS_TABLE": table, "THUMBD_UPLOAD_BUCKET": uploads, "THUMBD_JOB_TTL": "90000"]
    }

    func record(key: String, status: JobStatus = .pending) -> JobRecord {
        let now = Date()
        return JobRecord(
            id: JobRecord.newID(), owner: "alice", status: status, createdAt: now, expiresAt: now.addingTimeInterval(3600),
            source: .init(bucket: fixture.sourceBucket, key: key), sizes: [SizeRequest(width: 120, height: 120, mode: .fill)],
            requestId: "req-\(UUID().uuidString.prefix(6))")
    }

    func send(_ record: JobRecord) async throws {
        _ = try await Moto.sqs.sendMessage(queueUrl: try await fixture.url(fixture.queue), body: JobEncoder.encode(record.job))
    }

    func outputKey(_ record: JobRecord) -> String {
        record.job.outputs(settings: try! Settings(Settings.Source(environment: ["THUMBD_OUTPUT_BUCKET": fixture.outputBucket]))).first!.key
    }

    @Test("setup makes the table (TTL on) and a private upload bucket that expires originals; teardown removes them")
    func setupAndTeardown() async throws {
        let made = try await fixture.tool("thumbctl", ["setup"], environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("table:  \(table) (created"))
        let description = try await Moto.dynamo.describeTable(name: table)
        #expect(description.indexNames == [JobsTable.index])
        #expect(try await Moto.dynamo.describeTimeToLive(table: table).attribute == "expires_at")
        let rules = try await Moto.s3.getBucketLifecycleExpirations(uploads)
        #expect(rules.count == 1 && rules.first?.id == UploadBucket.ruleID && rules.first?.days == 2, "90000 s rounds up to 2 days: \(rules)")
        let again = try await fixture.tool("thumbctl", ["setup"], environment: environment)
        #expect(again.status == 0 && again.stdout.contains("(exists"), "\(again.stderr)")

        let removed = try await fixture.tool("thumbctl", ["teardown"], environment: environment)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout.contains("deleted table \(table)"))
        #expect(removed.stdout.contains("deleted bucket \(uploads)"))
        await #expect(throws: AWSServiceError.self) { _ = try await Moto.dynamo.describeTable(name: table) }
        let twice = try await fixture.tool("thumbctl", ["teardown"], environment: environment)
        #expect(twice.status == 0 && twice.stdout.contains("no table \(table)"), "\(twice.stderr)")
    }

    @Test("thumbd: complete with outputs, cancelled and finished jobs skipped, a bad image failed with its code")
    func workerMovesRecords() async throws {
        let made = try await fixture.tool("thumbctl", ["setup"], environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        try await fixture.setUp()
        try await fixture.upload("notes.jpg", as: "notes.jpg")

        let good = record(key: "codelab-04/owl.jpg")
        let cancelled = record(key: "codelab-04/canyon.jpg", status: .cancelled)
        let finished = record(key: "codelab-04/street.jpg", status: .complete)
        let bad = record(key: "notes.jpg")
        for job in [good, cancelled, finished, bad] {
            try await store.create(job)
            try await send(job)
        }
        // The cancelled job's output is there from an earlier run: it must be deleted.
        try await Moto.s3.putObject(bucket: fixture.outputBucket, key: outputKey(cancelled), body: Data("stale".utf8))

        let daemon = try fixture.startDaemon(environment: environment.merging(["THUMBD_EXIT_WHEN_IDLE": "3"]) { _, new in new })
        let result = await daemon.wait(seconds: 60)
        #expect(result.status == 0, "\(result.stderr)")

        let done = try #require(try await store.get(good.id))
        #expect(done.status == .complete)
        #expect(done.attempts == 1)
        #expect(done.outputs.map { "\($0.width)x\($0.height)" } == ["120x120"])
        #expect(done.outputs.first?.key == outputKey(good))
        #expect(done.outputs.first?.contentType == "image/jpeg")
        #expect(done.source.width == 900 && done.source.format == "jpeg")
        #expect(done.timingsMs["decode"] != nil)
        #expect(done.startedAt != nil && done.finishedAt != nil)
        #expect(try await Moto.s3.headObject(bucket: fixture.outputBucket, key: outputKey(good)).contentLength ?? 0 > 0)

        #expect(try await store.get(cancelled.id)?.status == .cancelled)
        await #expect(throws: AWSServiceError.self) { _ = try await Moto.s3.headObject(bucket: fixture.outputBucket, key: outputKey(cancelled)) }
        let duplicate = try #require(try await store.get(finished.id))
        #expect(duplicate.status == .complete && duplicate.attempts == 0, "a finished job is not run again")
        await #expect(throws: AWSServiceError.self) { _ = try await Moto.s3.headObject(bucket: fixture.outputBucket, key: outputKey(finished)) }

        let failed = try #require(try await store.get(bad.id))
        #expect(failed.status == .failed)
        #expect(failed.error?.code == "unsupported_format")

        let jobLine = result.lines.first { $0["msg"] == "job" && $0["job.id"] == good.id }
        #expect(jobLine?["request_id"] == good.requestId, "the request id follows the job into thumbd's log")
        #expect(result.lines.filter { $0["msg"] == "skipped" }.count == 2)
        let queueURL = try await fixture.url(fixture.queue)
        let attributes = try await Moto.sqs.getQueueAttributes(queueUrl: queueURL, names: ["All"])
        #expect(attributes["ApproximateNumberOfMessages"] == "0" && attributes["ApproximateNumberOfMessagesNotVisible"] == "0")
    }

    @Test("a job whose worker died maxReceiveCount times ends failed as worker_lost; dlq redrive reopens it")
    func workerLost() async throws {
        try await fixture.setUp()
        let made = try await fixture.tool("thumbctl", ["setup", "--max-receive-count", "1"], environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        let job = record(key: "codelab-04/dancing.jpg")
        try await store.create(job)
        try await send(job)
        // A worker takes the message (its one allowed receive) and dies: nothing more is done with it.
        let queueURL = try await fixture.url(fixture.queue)
        let taken = try await Moto.sqs.receiveMessage(queueUrl: queueURL, maxMessages: 1, waitSeconds: 5, visibilityTimeout: 1)
        #expect(taken.count == 1)
        _ = try await store.start(job.id, at: Date())
        try await Task.sleep(for: .seconds(2))

        let daemon = try fixture.startDaemon(environment: environment)
        let ended = try await ServiceFixture.eventually(60) { try await store.get(job.id)?.status == .failed }
        daemon.signal(SIGTERM)
        let result = await daemon.wait()
        #expect(ended, "the record never became failed: \(result.lines.suffix(5))")
        let failed = try #require(try await store.get(job.id))
        #expect(failed.error?.code == "worker_lost")
        #expect(result.lines.contains { $0["msg"] == "job failed in the dead-letter queue" && $0["job.id"] == job.id })

        let redriven = try await fixture.tool("thumbctl", ["dlq", "redrive"], environment: environment)
        #expect(redriven.status == 0, "\(redriven.stderr)")
        #expect(redriven.stdout.contains("1 failed job(s) back to pending"))
        let reopened = try #require(try await store.get(job.id))
        #expect(reopened.status == .pending && reopened.error == nil)
    }

    @Test("api-key create prints the key once as JSON; the table keeps only its hash; list and revoke")
    func apiKeys() async throws {
        let made = try await fixture.tool("thumbctl", ["setup"], environment: environment)
        #expect(made.status == 0, "\(made.stderr)")
        let created = try await fixture.tool("thumbctl", ["api-key", "create", "--owner", "alice@example.com"], environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        struct Created: Decodable { let id, owner, key: String }
        let key = try JSONDecoder().decode(Created.self, from: Data(created.stdout.utf8))
        #expect(key.owner == "alice@example.com")
        #expect(key.key.hasPrefix("thk_\(key.id)_"))
        #expect(key.key.count >= 60, "about 256 bits of secret")

        let item = try #require(try await Moto.dynamo.getItem(table: table, key: ["pk": .s("apikey#\(key.id)")], consistentRead: true))
        #expect(item["key_sha256"]?.string == Hashing.sha256Hex(key.key))
        #expect(!item.values.contains { "\($0)".contains(String(key.key.suffix(20))) }, "the key itself is not stored")

        let keys = APIKeyStore(dynamo: Moto.dynamo, table: table)
        #expect(try await keys.owner(ofKey: key.key) == "alice@example.com")
        #expect(try await keys.owner(ofKey: key.key.dropLast() + (key.key.hasSuffix("a") ? "b" : "a")) == nil)
        #expect(try await keys.owner(ofKey: "thk_0000000000_x") == nil)
        #expect(try await keys.owner(ofKey: "Bearer nonsense") == nil)

        let listed = try await fixture.tool("thumbctl", ["api-key", "list"], environment: environment)
        #expect(listed.stdout.contains("\(key.id)  alice@example.com"))
        #expect(!listed.stdout.contains(key.key))
        let revoked = try await fixture.tool("thumbctl", ["api-key", "revoke", key.id], environment: environment)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try await keys.owner(ofKey: key.key) == nil, "revoked: refused from the next request on")
        let unknown = try await fixture.tool("thumbctl", ["api-key", "revoke", "zzzzzzzzzz"], environment: environment)
        #expect(unknown.status != 0 && unknown.stderr.contains("no API key"))
        let badOwner = try await fixture.tool("thumbctl", ["api-key", "create", "--owner", "<script>"], environment: environment)
        #expect(badOwner.status != 0)
        _ = try await fixture.tool("thumbctl", ["teardown", "--force"], environment: environment)
    }
}
