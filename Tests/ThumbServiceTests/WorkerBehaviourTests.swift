import AWSKit
import Foundation
import Imaging
import TestSupport
import Testing

/// Worker properties that need a misbehaving network or a service manager around thumbd.
@Suite("Worker behaviour", .enabled(if: Moto.available, Moto.skipNote), .serialized)
struct WorkerBehaviourTests {
    @Test("concurrency really overlaps: 4 slow downloads run at once, not one after another")
    func overlap() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let proxy = try PeerProcess("fault_proxy.py", [Moto.url!, "--delay-get", "1.5"])
        let queueURL = try await fixture.url(fixture.queue)
        for name in ["canyon", "dancing", "owl", "skyline"] {
            _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: #"{"bucket":"\#(fixture.sourceBucket)","key":"codelab-04/\#(name).jpg","width":50}"#)
        }
        let daemon = try fixture.startDaemon(["--concurrency", "4", "--exit-when-idle", "3"], environment: ["AWS_ENDPOINT_URL": proxy.url])
        let result = await daemon.wait(seconds: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let jobs = result.lines.filter { $0["msg"] == "job" }
        #expect(jobs.count == 4 && jobs.allSatisfy { $0["job.result"] == "ok" })
        #expect(jobs.allSatisfy { Double($0["job.download_ms"] ?? "0") ?? 0 >= 1500 }, "every download went through the delay")
        struct ProxyStats: Decodable {
            let gets: Int
            let max_concurrent_gets: Int
        }
        let stats = try JSONDecoder().decode(ProxyStats.self, from: try await Moto.transport.send(
            HTTPRequest(method: "GET", endpoint: Endpoint(url: proxy.url)!, path: "/_proxy/stats")).body)
        #expect(stats.gets == 4)
        #expect(stats.max_concurrent_gets == 4, "the four downloads overlapped: \(stats)")
    }

    @Test("the same job done twice writes the same outputs")
    func idempotent() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let queueURL = try await fixture.url(fixture.queue)
        let body = #"{"bucket":"\#(fixture.sourceBucket)","key":"codelab-04/owl.jpg","sizes":[{"width":77},{"width":20,"height":20,"mode":"fill"}]}"#
        _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: body)
        var result = try await fixture.startDaemon(["--exit-when-idle", "2"]).wait()
        #expect(result.status == 0)
        let first = try await Moto.s3.headObject(bucket: fixture.outputBucket, key: "codelab-04/owl-77x.jpg")
        _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: body)
        result = try await fixture.startDaemon(["--exit-when-idle", "2"]).wait()
        #expect(result.lines.filter { $0["msg"] == "job" && $0["job.result"] == "ok" }.count == 1)
        let second = try await Moto.s3.headObject(bucket: fixture.outputBucket, key: "codelab-04/owl-77x.jpg")
        #expect(first.eTag == second.eTag && first.eTag != nil, "same bytes the second time")
        #expect(first.contentLength == second.contentLength)
    }

    @Test("under systemd: READY=1 once the queue is reached, STOPPING=1 on SIGTERM")
    func systemdNotify() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8)).sock").path
        let listener = try PeerProcess("notify_listener.py", [socket])
        let daemon = try fixture.startDaemon([], environment: ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "2000000"])
        let ready = listener.readLine()
        #expect(ready.hasPrefix("READY=1"), "\(ready)")
        #expect(listener.readLine() == "WATCHDOG=1")
        daemon.signal(SIGTERM)
        var seen: [String] = []
        for _ in 0..<5 {
            let line = listener.readLine()
            seen.append(line)
            if line == "STOPPING=1" { break }
        }
        #expect(seen.contains("STOPPING=1"), "\(seen)")
        #expect(await daemon.wait().status == 0)
    }
}

@Suite("Worker faults", .enabled(if: Moto.available, Moto.skipNote), .serialized)
struct WorkerFaultTests {
    @Test("uploads that keep failing: the message backs off and is done on a later receive, nothing dead-lettered")
    func transientUploadFailure() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        // Three 503s: every attempt of the first upload fails (3 attempts), so the job fails transiently.
        let proxy = try PeerProcess("fault_proxy.py", [Moto.url!, "--fail-puts", "3"])
        let queueURL = try await fixture.url(fixture.queue)
        _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: #"{"bucket":"\#(fixture.sourceBucket)","key":"codelab-04/street.jpg","width":40}"#)
        let daemon = try fixture.startDaemon(["--exit-when-idle", "14"], environment: ["AWS_ENDPOINT_URL": proxy.url])
        let result = await daemon.wait(seconds: 90)
        #expect(result.status == 0)
        let jobs = result.lines.filter { $0["msg"] == "job" }
        #expect(jobs.map { $0["job.result"] ?? "" } == ["retry", "ok"], "\(jobs)")
        #expect(jobs.first?["error.code"] == "upload_failed")
        #expect(jobs.last?["message.receive_count"] == "2")
        #expect((try? await Moto.s3.headObject(bucket: fixture.outputBucket, key: "codelab-04/street-40x.jpg")) != nil)
        let dlq = try await Moto.sqs.getQueueAttributes(queueUrl: try await fixture.url(fixture.queue + "-dlq"), names: ["ApproximateNumberOfMessages"])
        #expect(dlq["ApproximateNumberOfMessages"] == "0")
    }

    @Test("a job longer than the visibility timeout keeps its message: the heartbeat extends it")
    func heartbeat() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        // Downloads take 14 s; messages are invisible for 10 s unless extended. With a second free slot,
        // a lapsed message would be received and done again.
        let proxy = try PeerProcess("fault_proxy.py", [Moto.url!, "--delay-get", "14"])
        let queueURL = try await fixture.url(fixture.queue)
        _ = try await Moto.sqs.sendMessage(queueUrl: queueURL, body: #"{"bucket":"\#(fixture.sourceBucket)","key":"codelab-04/owl.jpg","width":40}"#)
        let daemon = try fixture.startDaemon(
            ["--concurrency", "2", "--visibility-timeout", "10", "--exit-when-idle", "4"], environment: ["AWS_ENDPOINT_URL": proxy.url])
        let result = await daemon.wait(seconds: 90)
        #expect(result.status == 0)
        let jobs = result.lines.filter { $0["msg"] == "job" }
        #expect(jobs.count == 1, "done once: \(jobs)")
        #expect(jobs.first?["job.result"] == "ok" && jobs.first?["message.receive_count"] == "1")
        #expect(!result.lines.contains { $0["msg"] == "delete failed" })
    }
}
