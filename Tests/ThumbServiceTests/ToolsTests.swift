import AWSKit
import Foundation
import TestSupport
import Testing

/// thumbctl's queue and bucket commands, thumb-submit's backfill, and the S3 event recursion guard,
/// against moto_server (SigV4 checked), run the way a user runs them.
@Suite("thumbctl and thumb-submit", .enabled(if: Moto.available, Moto.skipNote), .serialized)
struct ToolsTests {
    func visible(_ queueURL: String) async throws -> Int {
        Int(try await Moto.sqs.getQueueAttributes(queueUrl: queueURL, names: ["ApproximateNumberOfMessages"])["ApproximateNumberOfMessages"] ?? "") ?? -1
    }

    /// The cells of `thumbctl status`'s row for "queue" or "dlq".
    func statusRow(_ output: String, _ label: String) -> [String] {
        output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == label } ?? []
    }

    @Test("setup twice changes nothing; status counts; dlq list reads without consuming; redrive; teardown refuses a full bucket")
    func queueCommands() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let again = try await fixture.tool("thumbctl", ["setup"])
        #expect(again.status == 0, "\(again.stderr)")
        let queueURL = try await fixture.url(fixture.queue)
        let dlqURL = try await fixture.url(fixture.queue + "-dlq")
        #expect(again.stdout.contains("queue:  \(queueURL)") && again.stdout.contains("dlq:    \(dlqURL)"))

        // A message thumbd cannot read goes to the DLQ with its reason.
        _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: "not json at all")
        let daemon = try fixture.startDaemon(["--exit-when-idle", "2"])
        #expect(await daemon.wait().status == 0)

        let status = try await fixture.tool("thumbctl", ["status"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(statusRow(status.stdout, "queue").prefix(4) == ["queue", "0", "0", "0"], "\(status.stdout)")
        #expect(statusRow(status.stdout, "dlq").prefix(4) == ["dlq", "1", "0", "0"], "\(status.stdout)")

        for _ in 0..<2 {  // listing twice shows the same message: nothing was consumed
            let list = try await fixture.tool("thumbctl", ["dlq", "list"])
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("bad_json") && list.stdout.contains("not json at all") && list.stdout.contains("1 message(s)"),
                    "\(list.stdout)")
        }

        let redrive = try await fixture.tool("thumbctl", ["dlq", "redrive"])
        #expect(redrive.stdout.contains("moved 1 message(s)"), "\(redrive.stdout) \(redrive.stderr)")
        #expect(try await visible(queueURL) == 1)
        #expect(try await visible(dlqURL) == 0)

        // Teardown with a thumbnail in the bucket: refused before anything is deleted; --force deletes all.
        try await Moto.s3.putObject(bucket: fixture.outputBucket, key: "a-400x400.jpg", body: Data("x".utf8), options: PutObjectOptions())
        let refused = try await fixture.tool("thumbctl", ["teardown"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try await visible(queueURL) == 1, "the queue must survive a refused teardown")
        let forced = try await fixture.tool("thumbctl", ["teardown", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("deleted bucket \(fixture.outputBucket)"))
        await #expect(throws: AWSServiceError.self) { _ = try await Moto.sqs.getQueueUrl(name: fixture.queue) }
        await #expect(throws: AWSServiceError.self) { _ = try await Moto.s3.listObjectsV2(bucket: fixture.outputBucket) }
    }

    @Test("thumb-submit --prefix enqueues every object under it, in batches of 10; --start-after resumes")
    func backfill() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        // No "/" in the prefix: moto's signature check refuses the %2F in the query that AWS and botocore
        // send (README, moto quirks); the signer's handling of it is checked against botocore instead.
        let keys = (0..<23).map { String(format: "bulk-photo-%02d.jpg", $0) }
        for key in keys { try await fixture.upload("owl.jpg", as: key) }
        try await fixture.upload("owl.jpg", as: "elsewhere/owl.jpg")
        let queueURL = try await fixture.url(fixture.queue)
        let lowURL = try await fixture.url(fixture.queue + "-low")

        // A backfill is low priority unless told otherwise.
        let all = try await fixture.tool("thumb-submit", ["--bucket", fixture.sourceBucket, "--prefix", "bulk-", "--sizes", "64x64"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.split(separator: "\n").count == 23, "one message id per object: \(all.stdout)")
        #expect(try await visible(lowURL) == 23)
        #expect(try await visible(queueURL) == 0)

        let rest = try await fixture.tool("thumb-submit", [
            "--bucket", fixture.sourceBucket, "--prefix", "bulk-", "--start-after", keys[19], "--sizes", "64x64", "--priority", "normal",
        ])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stdout.split(separator: "\n").count == 3, "photo-20, 21 and 22: \(rest.stdout)")
        #expect(try await visible(queueURL) == 3)
        #expect(try await visible(lowURL) == 23)
    }

    @Test("an S3 event for one of thumbd's own thumbnails is skipped when source and output bucket are one")
    func recursionGuard() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let queueURL = try await fixture.url(fixture.queue)
        try await fixture.upload("owl.jpg", as: "pics/owl.jpg")
        try await fixture.upload("owl.jpg", as: "pics/owl-400x400.jpg")  // what the template makes of pics/owl.jpg
        func event(_ key: String) -> String {
            #"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"\#(fixture.sourceBucket)"},"object":{"key":"\#(key)"}}}]}"#
        }
        _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: event("pics/owl.jpg"))
        _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: event("pics/owl-400x400.jpg"))
        let daemon = try fixture.startDaemon(
            ["--exit-when-idle", "2"], environment: ["THUMBD_OUTPUT_BUCKET": fixture.sourceBucket, "THUMBD_SIZES": "400x400"])
        let result = await daemon.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.contains { $0["msg"] == "skipped" && $0["job.source"] == "s3://\(fixture.sourceBucket)/pics/owl-400x400.jpg" })
        #expect(result.lines.filter { $0["msg"] == "job" && $0["job.result"] == "ok" }.count == 1)
        _ = try await Moto.s3.headObject(bucket: fixture.sourceBucket, key: "pics/owl-400x400.jpg")
        await #expect(throws: AWSServiceError.self) {
            _ = try await Moto.s3.headObject(bucket: fixture.sourceBucket, key: "pics/owl-400x400-400x400.jpg")
        }
        let attributes = try await Moto.sqs.getQueueAttributes(queueUrl: queueURL, names: ["All"])
        #expect(attributes["ApproximateNumberOfMessages"] == "0" && attributes["ApproximateNumberOfMessagesNotVisible"] == "0")
    }
}
