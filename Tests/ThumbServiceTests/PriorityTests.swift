import AWSKit
import Foundation
import TestSupport
import Testing

@testable import ThumbService

@Suite("Priority queues")
struct PriorityPollingTests {
    @Test("of every 10 turns the highest queue goes first in 8, each lower one in 1; one queue is always first")
    func shares() {
        let three = (0..<PriorityPolling.cycle).map { PriorityPolling.order(["high", "normal", "low"], turn: $0) }
        #expect(three.filter { $0.first == "high" }.count == 8)
        #expect(three.filter { $0.first == "normal" }.count == 1)
        #expect(three.filter { $0.first == "low" }.count == 1)
        #expect(three.allSatisfy { Set($0) == ["high", "normal", "low"] }, "every queue is looked at every turn")
        #expect(three.contains(["low", "high", "normal"]), "after its turn, highest first")
        let two = (0..<PriorityPolling.cycle).map { PriorityPolling.order(["normal", "low"], turn: $0) }
        #expect(two.filter { $0.first == "low" }.count == 1)
        #expect(PriorityPolling.order(["only"], turn: 9) == ["only"])
    }
}

@Suite("Priority queues end to end", .enabled(if: Moto.available, Moto.skipNote))
struct PriorityServiceTests {
    @Test("thumb-submit --priority high goes to <queue>-high; without that queue, to the queue with a warning")
    func submitFallback() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let highURL = try await fixture.url(fixture.queue + "-high")
        let arguments = ["--bucket", fixture.sourceBucket, "--keys", "codelab-04/owl.jpg", "--width", "32", "--priority", "high"]
        let sent = try await fixture.tool("thumb-submit", arguments)
        #expect(sent.status == 0 && sent.stderr.isEmpty, "\(sent.stderr)")
        #expect(try await visible(highURL) == 1)
        try await Moto.sqs.deleteQueue(queueUrl: highURL)
        let fallback = try await fixture.tool("thumb-submit", arguments)
        #expect(fallback.status == 0)
        #expect(fallback.stderr.contains("warning: no queue \(fixture.queue)-high"), "\(fallback.stderr)")
        #expect(try await visible(try await fixture.url(fixture.queue)) == 1)
        let status = try await fixture.tool("thumbctl", ["status"])
        #expect(status.stdout.contains("low ") && !status.stdout.contains("high "), "only the queues that exist: \(status.stdout)")
    }

    func visible(_ queueURL: String) async throws -> Int {
        Int(try await Moto.sqs.getQueueAttributes(queueUrl: queueURL, names: ["ApproximateNumberOfMessages"])["ApproximateNumberOfMessages"] ?? "") ?? -1
    }

    @Test("with 150 low-priority jobs queued, a high one sent while they run finishes before half of them have")
    func highOvertakesBackfill() async throws {
        let fixture = try await ServiceFixture()
        try await fixture.setUp()
        let lowURL = try await fixture.url(fixture.queue + "-low")
        let highURL = try await fixture.url(fixture.queue + "-high")
        func message(_ id: String) -> String {
            #"{"bucket": "\#(fixture.sourceBucket)", "key": "codelab-04/owl.jpg", "sizes": [{"width": 32, "height": 32}], "id": "\#(id)"}"#
        }
        for start in stride(from: 0, to: 150, by: 10) {
            let entries = (start..<start + 10).map { SendMessageBatchEntry(id: "m\($0)", messageBody: message("low-\($0)")) }
            let sent = try await Moto.sqs.sendMessageBatch(queueUrl: lowURL, entries: entries)
            #expect(sent.failed.isEmpty)
        }
        let daemon = try fixture.startDaemon(environment: ["THUMBD_CONCURRENCY": "2", "THUMBD_EXIT_WHEN_IDLE": "3"])
        // Let the backfill get going, then send the interactive job.
        let started = try await eventually(60) { try await visible(lowURL) <= 140 }
        #expect(started)
        _ = try await Moto.sqs.sendMessage(queueUrl: highURL, body: message("high"))
        let result = await daemon.wait(seconds: 240)
        #expect(result.status == 0, "\(result.stderr)")
        let done = result.lines.filter { $0["msg"] == "job" && $0["job.result"] == "ok" }.compactMap { $0["job.id"] }
        #expect(done.count == 151, "every job ran: \(done.count)")
        let position = try #require(done.firstIndex(of: "high"), "the high job never ran")
        let lowBefore = done[..<position].count
        #expect(lowBefore < 75, "\(lowBefore) low jobs finished before the high one")
        #expect(lowBefore >= 10, "it was sent after the backfill started")
        // Each delivery was deleted from the queue it came from.
        for url in [lowURL, highURL, try await fixture.url(fixture.queue)] {
            let counts = try await Moto.sqs.getQueueAttributes(queueUrl: url, names: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
            #expect(counts["ApproximateNumberOfMessages"] == "0" && counts["ApproximateNumberOfMessagesNotVisible"] == "0", "\(url): \(counts)")
        }
        #expect(!result.lines.contains { $0["msg"] == "delete failed" })
    }
}
