import AWSKit
import Foundation
import Testing

@testable import ThumbService

/// `thumbctl watch` and `unwatch` on moto_server, which sends S3 event notifications to SQS for real,
/// with thumbd running: the open moto_server, because the key under test has a space, a `+` and a
/// non-ASCII letter, which the SigV4-checking one wrongly refuses.
@Suite("thumbctl watch", .enabled(if: Moto.available && Moto.openURL != nil, Moto.skipNote), .serialized)
struct WatchTests {
    static let key = "photos/a b+c ü.jpg"

    func exists(_ fixture: ServiceFixture, _ bucket: String, _ key: String) async -> Bool {
        (try? await fixture.s3.headObject(bucket: bucket, key: key)) != nil
    }

    func policyStatements(_ fixture: ServiceFixture, _ queueURL: String) async throws -> [[String: Any]] {
        let text = try await fixture.sqs.getQueueAttributes(queueUrl: queueURL, names: ["Policy"])["Policy"] ?? ""
        guard !text.isEmpty, let policy = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [] }
        return policy["Statement"] as? [[String: Any]] ?? []
    }

    @Test("""
        watch beside the user's own queue entry: both kept; an overlapping filter refused first; a put of a key with a space, \
        + and ü is thumbnailed by thumbd; the s3:TestEvent is deleted quietly; a .txt makes no message; --removals deletes \
        the thumbnails; unwatch removes only ours
        """)
    func watchAndUnwatch() async throws {
        let fixture = try await ServiceFixture(open: true)
        try await fixture.setUp()
        let bucket = fixture.sourceBucket
        let queueURL = try await fixture.url(fixture.queue)
        let queueArn = try #require(try await fixture.sqs.getQueueAttributes(queueUrl: queueURL, names: ["QueueArn"])["QueueArn"])
        let otherURL = try await fixture.sqs.createQueue(name: "\(fixture.queue)-theirs")
        let otherArn = try #require(try await fixture.sqs.getQueueAttributes(queueUrl: otherURL, names: ["QueueArn"])["QueueArn"])
        var theirs = S3BucketNotification()
        theirs.add(.init(id: "their-docs", queueArn: otherArn, events: ["s3:ObjectCreated:*"], prefix: "docs/"))
        try await fixture.s3.putBucketNotification(bucket, theirs)
        _ = try await fixture.sqs.purgeQueue(queueUrl: otherURL)

        // Thumbnails into the watched bucket, beside their sources: refused, and nothing changed.
        let refused = try await fixture.tool(
            "thumbctl", ["watch", bucket, "--prefix", "photos/", "--suffix", ".jpg"], environment: ["THUMBD_OUTPUT_BUCKET": bucket])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--allow-overlap") && refused.stderr.contains("s3://\(bucket)/photos/photo-"), "\(refused.stderr)")
        #expect(try await fixture.s3.getBucketNotification(bucket).queueConfigurations.map(\.id) == ["their-docs"])
        #expect(try await policyStatements(fixture, queueURL).isEmpty)

        let watched = try await fixture.tool(
            "thumbctl", ["watch", bucket, "--prefix", "photos/", "--suffix", ".jpg", "--suffix", ".png", "--removals"],
            environment: ["THUMBD_SIZES": "100x100"])
        #expect(watched.status == 0, "\(watched.stderr)")
        #expect(watched.stdout.contains("added statement") && watched.stdout.contains("kept 1 other entries"), "\(watched.stdout)")
        let configurations = try await fixture.s3.getBucketNotification(bucket).queueConfigurations
        #expect(configurations.first { $0.id == "their-docs" } == theirs.queueConfigurations.first, "the user's entry as it was")
        let ours = configurations.filter { $0.queueArn == queueArn }
        #expect(ours.map(\.suffix).sorted { ($0 ?? "") < ($1 ?? "") } == [".jpg", ".png"])
        #expect(ours.allSatisfy { $0.prefix == "photos/" && $0.events == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] && $0.id.hasPrefix("thumbd-") })
        let statements = try await policyStatements(fixture, queueURL)
        #expect(statements.count == 1)
        let condition = statements.first?["Condition"] as? [String: [String: String]]
        #expect(condition?["ArnEquals"]?["aws:SourceArn"] == "arn:aws:s3:::\(bucket)")
        #expect(condition?["StringEquals"]?["aws:SourceAccount"] == queueArn.split(separator: ":")[4].description)
        #expect((statements.first?["Principal"] as? [String: String])?["Service"] == "s3.amazonaws.com")
        #expect(statements.first?["Action"] as? String == "sqs:SendMessage" && statements.first?["Resource"] as? String == queueArn)

        let again = try await fixture.tool("thumbctl", ["watch", bucket, "--prefix", "photos/", "--suffix", ".jpg", "--suffix", ".png", "--removals"])
        #expect(again.status == 0 && again.stdout.contains("already lets") && again.stdout.contains("unchanged"), "\(again.stdout)")
        let status = try await fixture.tool("thumbctl", ["status"])
        #expect(status.stdout.contains("s3://\(bucket)") && status.stdout.contains("prefix photos/, suffix .jpg"), "\(status.stdout)")

        let daemon = try fixture.startDaemon(environment: ["THUMBD_SIZES": "100x100"])
        try await fixture.s3.putObject(
            bucket: bucket, key: Self.key, body: Data(contentsOf: fixture.photos.appendingPathComponent("owl.jpg")),
            options: PutObjectOptions(contentType: "image/jpeg"))
        try await fixture.s3.putObject(bucket: bucket, key: "photos/notes.txt", body: Data("not a photo".utf8))
        let thumbnail = "photos/a b+c ü-100x100.jpg"
        #expect(await ServiceFixture.eventually(30) { await exists(fixture, fixture.outputBucket, thumbnail) }, "the thumbnail appears")

        try await fixture.s3.deleteObject(bucket: bucket, key: Self.key)
        #expect(await ServiceFixture.eventually(30) { await !exists(fixture, fixture.outputBucket, thumbnail) }, "and goes with its source")
        daemon.signal(SIGTERM)
        let log = await daemon.wait()
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.lines.contains { $0["msg"] == "ignored" && $0["reason"] == "s3:TestEvent" }, "the test event S3 sends on configuration")
        #expect(log.lines.contains { $0["msg"] == "job" && $0["job.removed"] == "s3://\(fixture.outputBucket)/\(thumbnail)" })
        #expect(!log.lines.contains { $0["job.source"]?.hasSuffix(".txt") == true }, "the .txt is outside the filter")
        #expect(log.lines.filter { $0["msg"] == "job" }.count == 2, "one thumbnail job and one removal")
        let left = try await fixture.sqs.getQueueAttributes(queueUrl: queueURL, names: ["All"])
        #expect(left["ApproximateNumberOfMessages"] == "0" && left["ApproximateNumberOfMessagesNotVisible"] == "0")

        let unwatched = try await fixture.tool("thumbctl", ["unwatch", bucket])
        #expect(unwatched.status == 0, "\(unwatched.stderr)")
        #expect(try await fixture.s3.getBucketNotification(bucket).queueConfigurations == theirs.queueConfigurations)
        #expect(try await policyStatements(fixture, queueURL).isEmpty)
        let afterStatus = try await fixture.tool("thumbctl", ["status"])
        #expect(afterStatus.stdout.contains("watched buckets: none"), "\(afterStatus.stdout)")

        // teardown unwatches first: an entry for a deleted queue would make S3 refuse the bucket's
        // later notification changes.
        #expect(try await fixture.tool("thumbctl", ["watch", bucket, "--prefix", "photos/"]).status == 0)
        let teardown = try await fixture.tool("thumbctl", ["teardown", "--force"])
        #expect(teardown.status == 0, "\(teardown.stderr)")
        #expect(teardown.stdout.contains("removed thumbd-"), "\(teardown.stdout)")
        #expect(try await fixture.s3.getBucketNotification(bucket).queueConfigurations == theirs.queueConfigurations)
    }
}
