import AWSKit
import Foundation
import Imaging
import TestSupport
import Testing

/// thumbd, thumb-submit and thumbctl end to end against moto_server (SigV4 checked).
@Suite("The service end to end", .enabled(if: Moto.available, Moto.skipNote), .serialized)
struct ServiceTests {
    func dimensions(_ bucket: String, _ key: String) async throws -> (Int, Int, S3ObjectInfo) {
        let object = try await Moto.s3.getObject(bucket: bucket, key: key)
        let decoded = try [UInt8](object.body).withUnsafeBufferPointer { try ImageDecoder.decode($0) }
        return (decoded.buffer.width, decoded.buffer.height, object.info)
    }

    @Test("the assignment's five submissions: right keys, sizes, Content-Type and a public-read grant")
    func assignment() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let daemon = try fixture.startDaemon(["--concurrency", "2"])
        let cases: [(String, Int, Int, (Int, Int))] = [
            ("canyon", 400, 400, (400, 250)), ("dancing", 300, 600, (300, 450)), ("owl", 150, 100, (100, 100)),
            ("skyline", 1000, 400, (1000, 300)), ("street", 51, 49, (51, 34)),
        ]
        for (name, width, height, _) in cases {
            let submitted = try await fixture.tool("thumb-submit", [
                "--bucket", fixture.sourceBucket, "--keys", "codelab-04/\(name).jpg", "--height", "\(height)", "--width", "\(width)",
            ])
            #expect(submitted.status == 0, "\(submitted.stderr)")
            #expect(submitted.stdout.split(separator: "\n").count == 1, "one message id per key")
        }
        for (name, width, height, expected) in cases {
            let key = "codelab-04/\(name)-\(width)x\(height).jpg"
            let appeared = await ServiceFixture.eventually(30) { (try? await Moto.s3.headObject(bucket: fixture.outputBucket, key: key)) != nil }
            #expect(appeared, "\(key) never appeared")
            guard appeared else { continue }
            let (w, h, info) = try await dimensions(fixture.outputBucket, key)
            #expect((w, h) == expected, "\(key)")
            #expect(info.contentType == "image/jpeg")
            #expect(info.cacheControl?.contains("max-age") == true)
            #expect(info.metadata["source"] == "s3://\(fixture.sourceBucket)/codelab-04/\(name).jpg")
            let grants = try await Moto.s3.getObjectAcl(bucket: fixture.outputBucket, key: key)
            #expect(grants.contains { $0.isPublicRead }, "\(key) has no public-read grant: \(grants)")
        }
        // Deleted once done: nothing left in the queue, nothing dead.
        let queueURL = try await fixture.url(fixture.queue)
        let drained = await ServiceFixture.eventually(10) {
            let attributes = try? await Moto.sqs.getQueueAttributes(queueUrl: queueURL, names: ["All"])
            return attributes?["ApproximateNumberOfMessages"] == "0" && attributes?["ApproximateNumberOfMessagesNotVisible"] == "0"
        }
        #expect(drained)
        daemon.signal(SIGTERM)
        let result = await daemon.wait()
        #expect(result.status == 0)
        let jobs = result.lines.filter { $0["msg"] == "job" }
        #expect(jobs.count == 5)
        #expect(jobs.allSatisfy { $0["job.result"] == "ok" && $0["job.decode_ms"] != nil && $0["job.upload_ms"] != nil && $0["job.bytes_in"] != nil })
        #expect(result.lines.contains { $0["msg"] == "started" && $0["queue.url"] == queueURL })
        #expect(!result.lines.contains { "\($0)".contains(Moto.credentials.secretAccessKey) }, "a secret in the log")
    }

    @Test("messages boto3 sends in every accepted format are processed; a test event is deleted quietly")
    func formats() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let queueURL = try await fixture.url(fixture.queue)
        let s3Event = #"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"\#(fixture.sourceBucket)"},"object":{"key":"codelab-04/owl.jpg"}}}]}"#
        let bodies = [
            #"{"bucket":"\#(fixture.sourceBucket)","key":"codelab-04/canyon.jpg","width":200,"height":200}"#,
            #"{"bucket":"\#(fixture.sourceBucket)","key":"codelab-04/dancing.jpg","sizes":[{"width":120,"height":120},{"width":60,"height":60,"mode":"fill"}],"format":"png","output_key_template":"png/{name}-{width}.{ext}"}"#,
            s3Event,
            try String(decoding: JSONSerialization.data(withJSONObject: ["Type": "Notification", "Message": s3Event.replacingOccurrences(of: "owl", with: "street")]), as: UTF8.self),
            #"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"\#(fixture.sourceBucket)"}"#,
        ]
        for body in bodies {
            let sent = try await offCooperativePool { try runProcess("/usr/bin/env", ["python3", ProjectPaths.peers.appendingPathComponent("boto3_peer.py").path, Moto.url!, "send-message", queueURL, body],
                                      environment: fixture.environment) }
            #expect(sent.status == 0, "\(sent.stderr)")
        }
        let daemon = try fixture.startDaemon(["--sizes", "90x90"])
        let expected = ["codelab-04/canyon-200x200.jpg", "png/dancing-120.png", "png/dancing-60.png", "codelab-04/owl-90x90.jpg", "codelab-04/street-90x90.jpg"]
        for key in expected {
            let appeared = await ServiceFixture.eventually(30) { (try? await Moto.s3.headObject(bucket: fixture.outputBucket, key: key)) != nil }
            #expect(appeared, "\(key) never appeared")
        }
        #expect(try await Moto.s3.headObject(bucket: fixture.outputBucket, key: "png/dancing-60.png").contentType == "image/png")
        #expect(try await dimensions(fixture.outputBucket, "png/dancing-60.png").0 == 60)
        let empty = await ServiceFixture.eventually(10) {
            let attributes = try? await Moto.sqs.getQueueAttributes(queueUrl: queueURL, names: ["All"])
            return attributes?["ApproximateNumberOfMessages"] == "0" && attributes?["ApproximateNumberOfMessagesNotVisible"] == "0"
        }
        #expect(empty, "every message, the test event included, was deleted")
        daemon.signal(SIGTERM)
        let result = await daemon.wait()
        #expect(result.lines.contains { $0["msg"] == "ignored" && $0["reason"] == "s3:TestEvent" })
        let dlq = try await Moto.sqs.getQueueAttributes(queueUrl: try await fixture.url(fixture.queue + "-dlq"), names: ["ApproximateNumberOfMessages"])
        #expect(dlq["ApproximateNumberOfMessages"] == "0")
    }

    @Test("thumb-submit --formats: every size in AVIF, WebP and JPEG from one job, each typed, each with the ThumbHash; a HEIC source")
    func outputFormats() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        // A HEIC made from a sample photo by libheif's own encoder (heif-enc, Debian libheif-examples).
        let heic = fixture.photos.appendingPathComponent("canyon.heic").path
        let encoded = try await offCooperativePool {
            try runProcess("/usr/bin/env", ["heif-enc", "-q", "80", "-o", heic, fixture.photos.appendingPathComponent("canyon.jpg").path])
        }
        try #require(encoded.status == 0, "heif-enc: \(encoded.stderr)")
        try await fixture.upload("canyon.heic", as: "codelab-04/canyon.heic")
        let daemon = try fixture.startDaemon()
        let formats = try await fixture.tool("thumb-submit", [
            "--bucket", fixture.sourceBucket, "--keys", "codelab-04/dancing.jpg", "--sizes", "200x200,64x64:fill",
            "--formats", "avif,webp,jpeg", "--quality", "60",
        ])
        #expect(formats.status == 0, "\(formats.stderr)")
        let fromHEIC = try await fixture.tool("thumb-submit", ["--bucket", fixture.sourceBucket, "--keys", "codelab-04/canyon.heic", "--width", "300"])
        #expect(fromHEIC.status == 0, "\(fromHEIC.stderr)")

        var hashes: Set<String> = []
        for (size, expected) in [("200x200", (133, 200)), ("64x64", (64, 64))] {
            for (ext, type, format) in [("avif", "image/avif", ImageFormat.avif), ("webp", "image/webp", .webp), ("jpg", "image/jpeg", .jpeg)] {
                let key = "codelab-04/dancing-\(size).\(ext)"
                let appeared = await ServiceFixture.eventually(60) { (try? await Moto.s3.headObject(bucket: fixture.outputBucket, key: key)) != nil }
                #expect(appeared, "\(key) never appeared")
                guard appeared else { continue }
                let (width, height, info) = try await dimensions(fixture.outputBucket, key)
                #expect((width, height) == expected, "\(key)")
                #expect(info.contentType == type, "\(key)")
                let body = try await Moto.s3.getObject(bucket: fixture.outputBucket, key: key).body
                #expect(ImageFormat.detect([UInt8](body.prefix(64))) == format, "\(key): the bytes are \(format)")
                let hash = try #require(info.metadata["thumbhash"], "\(key) has no x-amz-meta-thumbhash")
                #expect(Data(base64Encoded: hash).map { (5...25).contains($0.count) } == true, "\(hash)")
                #expect(info.metadata["average-color"]?.wholeMatch(of: /#[0-9a-f]{6}/) != nil, "\(info.metadata)")
                hashes.insert(hash + (info.metadata["average-color"] ?? ""))
            }
        }
        #expect(hashes.count == 1, "one image, one placeholder on every output: \(hashes)")
        let key = "codelab-04/canyon-300x.jpg"
        let appeared = await ServiceFixture.eventually(60) { (try? await Moto.s3.headObject(bucket: fixture.outputBucket, key: key)) != nil }
        #expect(appeared, "\(key) never appeared")
        if appeared {
            let (width, height, info) = try await dimensions(fixture.outputBucket, key)
            #expect(width == 300 && height == 188, "\(width)x\(height)")
            #expect(info.contentType == "image/jpeg")
        }
        daemon.signal(SIGTERM)
        let log = await daemon.wait()
        #expect(!log.lines.contains { $0["msg"]?.hasPrefix("codecs missing") == true }, "libheif has HEVC, AV1 and libaom here")
    }

    @Test("a missing key, a text file, malformed JSON and an oversized image go to the DLQ with their codes")
    func deadLetters() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        try await fixture.upload("notes.jpg", as: "notes.jpg")
        let queueURL = try await fixture.url(fixture.queue)
        let cases = [
            (#"{"bucket":"\#(fixture.sourceBucket)","key":"nope.jpg","width":100}"#, "no_such_key"),
            (#"{"bucket":"\#(fixture.sourceBucket)","key":"notes.jpg","width":100}"#, "unsupported_format"),
            (#"{"bucket": "\#(fixture.sourceBucket)", "key": "#, "bad_json"),
            (#"{"bucket":"\#(fixture.sourceBucket)","key":"codelab-04/skyline.jpg","width":100}"#, "too_large"),
        ]
        var expected: [String: String] = [:]
        for (body, code) in cases {
            expected[try await Moto.sqs.sendMessage(queueUrl: queueURL, body: body).messageId] = code
        }
        let started = Date()
        // 1 megapixel at most: the 2000 x 600 skyline is refused from its header.
        let daemon = try fixture.startDaemon([], environment: ["THUMBD_MAX_MEGAPIXELS": "1"])
        let dlqURL = try await fixture.url(fixture.queue + "-dlq")
        var found: [String: String] = [:]
        let allFound = await ServiceFixture.eventually(30) {
            for message in (try? await Moto.sqs.receiveMessage(queueUrl: dlqURL, maxMessages: 10, visibilityTimeout: 0)) ?? [] {
                if let source = message.messageAttributes?["thumbd.source_message_id"]?.stringValue {
                    found[source] = message.messageAttributes?["thumbd.error_code"]?.stringValue
                    #expect(message.messageAttributes?["thumbd.error_message"]?.stringValue?.isEmpty == false)
                }
            }
            return found.count == expected.count
        }
        #expect(allFound)
        #expect(found == expected)
        #expect(Date().timeIntervalSince(started) < 20, "within seconds, not after maxReceiveCount x visibility timeout")
        let listed = try await fixture.tool("thumbctl", ["dlq", "list"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("no_such_key") && listed.stdout.contains("bad_json") && listed.stdout.contains("4 message(s)"))
        let status = try await fixture.tool("thumbctl", ["status"])
        #expect(status.stdout.contains("dlq"))
        daemon.signal(SIGTERM)
        #expect(await daemon.wait().status == 0)
        // Redrive puts them back on the queue.
        let redriven = try await fixture.tool("thumbctl", ["dlq", "redrive"])
        #expect(redriven.stdout.contains("moved 4"))
    }

    @Test("a queue made elsewhere whose redrive target is called graveyard: thumbd, thumbctl and thumb-submit all use graveyard")
    func redriveTargetByAnyName() async throws {
        let fixture = try await ServiceFixture()
        // Made as CloudFormation or the console would, before any thumbctl: the DLQ is not <queue>-dlq.
        let graveyardURL = try await Moto.sqs.createQueue(name: "graveyard-\(fixture.queue)")
        let arn = try #require(try await Moto.sqs.getQueueAttributes(queueUrl: graveyardURL, names: ["QueueArn"])["QueueArn"])
        _ = try await Moto.sqs.createQueue(
            name: fixture.queue, attributes: ["RedrivePolicy": #"{"deadLetterTargetArn":"\#(arn)","maxReceiveCount":"5"}"#])
        try await fixture.setUp()  // thumbctl setup keeps the queue's own dead-letter queue
        #expect((try? await fixture.url(fixture.queue + "-dlq")) == nil, "setup made a second dead-letter queue")

        let daemon = try fixture.startDaemon()
        let bad = try await fixture.tool("thumb-submit", ["--bucket", fixture.sourceBucket, "--keys", "missing.jpg", "--width", "10", "--wait", "30"])
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(bad.stderr.contains("no_such_key"), "\(bad.stderr)")
        daemon.signal(SIGTERM)
        let result = await daemon.wait()
        #expect(result.lines.contains { $0["msg"] == "started" && $0["dlq.url"] == graveyardURL && $0["dlq.found_by"] == "RedrivePolicy" })

        let listed = try await fixture.tool("thumbctl", ["dlq", "list"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("no_such_key") && listed.stdout.contains("1 message(s)"), "\(listed.stdout)")
        let status = try await fixture.tool("thumbctl", ["status"])
        #expect(status.stdout.contains(graveyardURL), "\(status.stdout)")
        let redriven = try await fixture.tool("thumbctl", ["dlq", "redrive"])
        #expect(redriven.stdout.contains("moved 1"), "\(redriven.stdout) \(redriven.stderr)")

        // Teardown deletes what setup made and keeps the graveyard, which setup did not make; run
        // again, it finds nothing left and still succeeds.
        let torn = try await fixture.tool("thumbctl", ["teardown", "--force"])
        #expect(torn.status == 0, "\(torn.stderr)")
        #expect(torn.stdout.contains("kept dead-letter queue graveyard-\(fixture.queue)"), "\(torn.stdout)")
        #expect((try? await fixture.url("graveyard-\(fixture.queue)")) != nil, "the graveyard was deleted")
        #expect((try? await fixture.url(fixture.queue)) == nil, "the queue survived teardown")
        let again = try await fixture.tool("thumbctl", ["teardown"])
        #expect(again.status == 0 && again.stdout.contains("no queue \(fixture.queue)"), "\(again.stdout) \(again.stderr)")
    }

    @Test("with no dead-letter queue at all, thumbctl dlq says how to make one")
    func noDeadLetterQueue() async throws {
        let fixture = try await ServiceFixture()
        _ = try await Moto.sqs.createQueue(name: fixture.queue)
        let listed = try await fixture.tool("thumbctl", ["dlq", "list"])
        #expect(listed.status != 0)
        #expect(listed.stderr.contains("has no dead-letter queue") && listed.stderr.contains("THUMBD_DLQ"), "\(listed.stderr)")
        let status = try await fixture.tool("thumbctl", ["status"])
        #expect(status.status == 0 && status.stdout.contains("none"), "\(status.stdout) \(status.stderr)")
    }

    @Test("SIGTERM in the middle of work loses nothing; --exit-when-idle then finishes the rest and exits 0")
    func shutdownLosesNothing() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        // A prefix without `/`: moto's signature check refuses a `%2F` in a query value, even boto3's.
        let keys = (0..<16).map { "many-photo-\($0).jpg" }
        for key in keys { try await fixture.upload("skyline.jpg", as: key) }
        let submitted = try await fixture.tool("thumb-submit", ["--bucket", fixture.sourceBucket, "--prefix", "many-", "--sizes", "800x800,320x320,100x100"])
        #expect(submitted.stdout.split(separator: "\n").count == keys.count, "\(submitted.stderr)")
        let daemon = try fixture.startDaemon(["--concurrency", "1", "--drain-timeout", "0"])
        let working = await ServiceFixture.eventually(30) {
            ((try? await Moto.s3.listObjectsV2(bucket: fixture.outputBucket))?.objects.count ?? 0) >= 3
        }
        #expect(working, "no thumbnail within 30 s: the SIGTERM would not come in the middle of work")
        daemon.signal(SIGTERM)
        let first = await daemon.wait()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.lines.contains { $0["msg"] == "stopped" && $0["reason"] == "SIGTERM" })
        #expect(first.lines.filter { $0["msg"] == "job" }.count < keys.count, "the SIGTERM came with work left to do")

        let finisher = try fixture.startDaemon(["--exit-when-idle", "3", "--concurrency", "2"])
        let second = await finisher.wait(seconds: 120)
        #expect(second.status == 0)
        #expect(second.lines.contains { $0["msg"] == "stopped" && ($0["reason"] ?? "").hasPrefix("idle") })
        for key in keys {
            for size in ["800x800", "320x320", "100x100"] {
                let output = key.replacingOccurrences(of: ".jpg", with: "-\(size).jpg")
                #expect((try? await Moto.s3.headObject(bucket: fixture.outputBucket, key: output)) != nil, "lost: \(output)")
            }
        }
        let dlq = try await Moto.sqs.getQueueAttributes(queueUrl: try await fixture.url(fixture.queue + "-dlq"), names: ["ApproximateNumberOfMessages"])
        #expect(dlq["ApproximateNumberOfMessages"] == "0", "no valid job in the DLQ")
    }

    @Test("thumb-submit --wait prints the public URLs, and fails for a job that went to the DLQ")
    func submitWait() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let daemon = try fixture.startDaemon()
        let ok = try await fixture.tool("thumb-submit", ["--bucket", fixture.sourceBucket, "--keys", "codelab-04/owl.jpg", "--sizes", "64x64,32x32", "--wait", "30"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("\(Moto.url!)/\(fixture.outputBucket)/codelab-04/owl-64x64.jpg"))
        let bad = try await fixture.tool("thumb-submit", ["--bucket", fixture.sourceBucket, "--keys", "missing.jpg", "--width", "10", "--wait"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("no_such_key"))
        daemon.signal(SIGTERM)
        #expect(await daemon.wait().status == 0)
        let bogus = try await fixture.tool("thumbd", [], environment: ["THUMBD_QUALITY": "500"])
        #expect(bogus.status == 78 && bogus.stderr.contains("THUMBD_QUALITY"))
        let noQueue = try await fixture.tool("thumbd", [], environment: ["THUMBD_QUEUE": "does-not-exist"])
        #expect(noQueue.status == 1 && noQueue.stderr.contains("cannot reach the queue"))
        // libheif is loaded on first use, so thumbd checks at start that it can be: an empty file named
        // libheif.so.1 first on the library path is one that cannot ("file too short").
        let brokenLibraries = FileManager.default.temporaryDirectory.appendingPathComponent("no-heif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: brokenLibraries, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: brokenLibraries) }
        #expect(FileManager.default.createFile(atPath: brokenLibraries.appendingPathComponent("libheif.so.1").path, contents: Data()))
        // A daemon, killed after 20 s should it poll instead of stopping.
        let noHEIF = await (try fixture.startDaemon(environment: ["LD_LIBRARY_PATH": brokenLibraries.path])).wait(seconds: 20)
        #expect(noHEIF.status == 1 && noHEIF.stderr.contains("libheif cannot be loaded: \(brokenLibraries.path)/libheif.so.1: file too short"),
                "\(noHEIF.stderr)")
    }
}
