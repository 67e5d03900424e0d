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
        watch beside the user's own queue entry and policy statement: both kept; filters that catch our thumbnails or overlap \
        an entry refused first; another account's bucket; a put of a key with a space, + and ü is thumbnailed by thumbd; the \
        s3:TestEvent is deleted quietly; a .txt makes no message; --removals deletes the thumbnails, not while the source is \
        there; unwatch removes only ours; teardown unwatches
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
        // A statement of the user's own in the queue's policy, which watch and unwatch must keep.
        let userStatement = #"{"Sid":"TheirOwn","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sqs:SendMessage","Resource":"\#(queueArn)"}"#
        try await fixture.sqs.setQueueAttributes(
            queueUrl: queueURL, attributes: ["Policy": #"{"Version":"2012-10-17","Statement":[\#(userStatement)]}"#])

        // Thumbnails into the watched bucket, beside their sources: refused, and nothing changed.
        let refused = try await fixture.tool(
            "thumbctl", ["watch", bucket, "--prefix", "photos/", "--suffix", ".jpg"], environment: ["THUMBD_OUTPUT_BUCKET": bucket])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--allow-overlap") && refused.stderr.contains("s3://\(bucket)/photos/photo-"), "\(refused.stderr)")
        // A filter S3 would find overlapping with the user's entry (docs/ for ObjectCreated): refused too.
        let conflict = try await fixture.tool("thumbctl", ["watch", bucket, "--prefix", "docs/scans/"])
        #expect(conflict.status != 0 && conflict.stderr.contains("their-docs"), "\(conflict.stderr)")
        let selfOverlap = try await fixture.tool("thumbctl", ["watch", bucket, "--suffix", ".jpg", "--suffix", "g"])
        #expect(selfOverlap.status != 0 && selfOverlap.stderr.contains("overlap"), "\(selfOverlap.stderr)")
        #expect(try await fixture.s3.getBucketNotification(bucket).queueConfigurations.map(\.id) == ["their-docs"])
        #expect(try await policyStatements(fixture, queueURL).map { $0["Sid"] as? String } == ["TheirOwn"], "nothing changed")

        let watched = try await fixture.tool(
            "thumbctl", ["watch", bucket, "--prefix", "photos/", "--suffix", ".jpg", "--suffix", ".png", "--removals"],
            environment: ["THUMBD_SIZES": "100x100"])
        #expect(watched.status == 0, "\(watched.stderr)")
        #expect(watched.stdout.contains("now lets") && watched.stdout.contains("kept 1 other entries"), "\(watched.stdout)")
        let configurations = try await fixture.s3.getBucketNotification(bucket).queueConfigurations
        #expect(configurations.first { $0.id == "their-docs" } == theirs.queueConfigurations.first, "the user's entry as it was")
        let ours = configurations.filter { $0.queueArn == queueArn }
        #expect(ours.map(\.suffix).sorted { ($0 ?? "") < ($1 ?? "") } == [".jpg", ".png"])
        #expect(ours.allSatisfy { $0.prefix == "photos/" && $0.events == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] && $0.id.hasPrefix("thumbd-") })
        let account = queueArn.split(separator: ":")[4].description
        let statements = try await policyStatements(fixture, queueURL)
        #expect(statements.map { $0["Sid"] as? String } == ["TheirOwn", "ThumbdWatch\(account)"], "the user's statement kept")
        let statement = statements.last ?? [:]
        let condition = statement["Condition"] as? [String: [String: Any]]
        #expect(condition?["ArnEquals"]?["aws:SourceArn"] as? [String] == ["arn:aws:s3:::\(bucket)"])
        #expect(condition?["StringEquals"]?["aws:SourceAccount"] as? String == account)
        #expect((statement["Principal"] as? [String: String])?["Service"] == "s3.amazonaws.com")
        #expect(statement["Action"] as? String == "sqs:SendMessage" && statement["Resource"] as? String == queueArn)

        // A bucket of another account: its own statement, with that account.
        let foreign = "\(fixture.sourceBucket)-foreign"
        try await fixture.s3.createBucket(foreign)
        let crossAccount = try await fixture.tool("thumbctl", ["watch", foreign, "--source-account", "111122223333"])
        #expect(crossAccount.status == 0, "\(crossAccount.stderr)")
        let foreignStatement = try await policyStatements(fixture, queueURL).first { $0["Sid"] as? String == "ThumbdWatch111122223333" }
        let foreignCondition = foreignStatement?["Condition"] as? [String: [String: Any]]
        #expect(foreignCondition?["StringEquals"]?["aws:SourceAccount"] as? String == "111122223333")
        #expect(foreignCondition?["ArnEquals"]?["aws:SourceArn"] as? [String] == ["arn:aws:s3:::\(foreign)"])
        #expect(try await fixture.tool("thumbctl", ["unwatch", foreign]).status == 0)
        #expect(try await policyStatements(fixture, queueURL).count == 2, "its statement went with its last bucket")

        let again = try await fixture.tool("thumbctl", ["watch", bucket, "--prefix", "photos/", "--suffix", ".jpg", "--suffix", ".png", "--removals"])
        #expect(again.status == 0 && again.stdout.contains("already lets") && again.stdout.contains("unchanged"), "\(again.stdout)")
        #expect(try await policyStatements(fixture, queueURL).count == 2, "idempotent")
        let status = try await fixture.tool("thumbctl", ["status"])
        #expect(status.stdout.contains("s3://\(bucket)") && status.stdout.contains("prefix photos/, suffix .jpg"), "\(status.stdout)")

        let daemon = try fixture.startDaemon(environment: ["THUMBD_SIZES": "100x100"])
        try await fixture.s3.putObject(
            bucket: bucket, key: Self.key, body: Data(contentsOf: fixture.photos.appendingPathComponent("owl.jpg")),
            options: PutObjectOptions(contentType: "image/jpeg"))
        try await fixture.s3.putObject(bucket: bucket, key: "photos/notes.txt", body: Data("not a photo".utf8))
        let thumbnail = "photos/a b+c ü-100x100.jpg"
        #expect(await ServiceFixture.eventually(30) { await exists(fixture, fixture.outputBucket, thumbnail) }, "the thumbnail appears")

        // A removal that arrives while the source is there (SQS does not keep order; another version
        // remains): nothing is deleted.
        let stale = #"{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"configurationId":"thumbd-x","bucket":{"name":"\#(bucket)"},"object":{"key":"photos/a+b%2Bc+%C3%BC.jpg"}}}]}"#
        _ = try await fixture.sqs.sendMessage(queueUrl: queueURL, body: stale)
        let drained = try await ServiceFixture.eventually(15) {
            let left = try await fixture.sqs.getQueueAttributes(queueUrl: queueURL, names: ["All"])
            return left["ApproximateNumberOfMessages"] == "0" && left["ApproximateNumberOfMessagesNotVisible"] == "0"
        }
        #expect(drained, "the stale removal was handled")
        #expect(await exists(fixture, fixture.outputBucket, thumbnail), "the thumbnail of a source that is there stays")

        try await fixture.s3.deleteObject(bucket: bucket, key: Self.key)
        #expect(await ServiceFixture.eventually(30) { await !exists(fixture, fixture.outputBucket, thumbnail) }, "and goes with its source")
        daemon.signal(SIGTERM)
        let log = await daemon.wait()
        #expect(log.status == 0, "\(log.stderr)")
        #expect(log.lines.contains { $0["msg"] == "ignored" && $0["reason"] == "s3:TestEvent" }, "the test event S3 sends on configuration")
        // Every format's key of each size is deleted (a key that is not there is no error), ours among them.
        #expect(log.lines.contains { line in
            line["msg"] == "job"
                && (line["job.removed"] ?? "").components(separatedBy: ", ").contains("s3://\(fixture.outputBucket)/\(thumbnail)")
        })
        #expect(!log.lines.contains { $0["job.source"]?.hasSuffix(".txt") == true }, "the .txt is outside the filter")
        #expect(log.lines.filter { $0["msg"] == "job" }.count == 2, "one thumbnail job and one removal")
        #expect(log.lines.contains { $0["msg"] == "skipped" && $0["reason"]?.contains("the source exists") == true })
        let left = try await fixture.sqs.getQueueAttributes(queueUrl: queueURL, names: ["All"])
        #expect(left["ApproximateNumberOfMessages"] == "0" && left["ApproximateNumberOfMessagesNotVisible"] == "0")

        let unwatched = try await fixture.tool("thumbctl", ["unwatch", bucket])
        #expect(unwatched.status == 0, "\(unwatched.stderr)")
        #expect(try await fixture.s3.getBucketNotification(bucket).queueConfigurations == theirs.queueConfigurations)
        #expect(try await policyStatements(fixture, queueURL).map { $0["Sid"] as? String } == ["TheirOwn"], "only the user's statement left")
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
