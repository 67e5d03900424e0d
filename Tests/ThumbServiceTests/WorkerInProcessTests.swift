import AWSKit
import AWSKitTesting
import Foundation
import Imaging
import Synchronization
import Testing

@testable import ThumbService

/// The worker run in-process against scripted SQS and S3 answers: what it sends for each kind of
/// message, in milliseconds, without a server or the binary.
@Suite("Worker in-process")
struct WorkerInProcessTests {
    static func job(_ key: String, sizes: String = #"[{"width":32},{"width":16,"height":16,"mode":"fill"}]"#) -> String {
        #"{"bucket":"src-bucket","key":"\#(key)","sizes":\#(sizes)}"#
    }

    static func event(_ keys: [String]) -> String {
        let records = keys.map { #"{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"src-bucket"},"object":{"key":"\#($0)"}}}"# }
        return #"{"Records":[\#(records.joined(separator: ","))]}"#
    }

    /// Runs the worker until it is idle (THUMBD_EXIT_WHEN_IDLE=0) or `seconds` pass (a hang guard, far
    /// above the milliseconds a run takes: a loaded CI machine can stall the cooperative pool for seconds).
    static func runUntilIdle(_ worker: Worker, seconds: Double = 60) async {
        let shutdown = ShutdownSignal()
        let guardTask = Task {
            try await Task.sleep(for: .seconds(seconds))
            shutdown.trigger(reason: "test deadline")
        }
        await worker.run(shutdown: shutdown)
        guardTask.cancel()
        #expect(shutdown.reason?.hasPrefix("idle") == true, "stopped by \(shutdown.reason ?? "-")")
    }

    @Test("a job: the source is read, every size uploaded at its key, then the message is deleted")
    func success() async throws {
        let message = ScriptedAWS.message(Self.job("photos/a.jpg"))
        let aws = ScriptedAWS(batches: [[message]])
        aws.put("src-bucket", "photos/a.jpg", ScriptedAWS.jpeg)
        let worker = try aws.worker()
        await Self.runUntilIdle(worker)
        #expect(Set(aws.uploadedPaths) == ["/out-bucket/photos/a-32x.jpg", "/out-bucket/photos/a-16x16.jpg"])
        let sizes = try aws.transport.requests(.s3("PUT")).map { request in
            let image = try [UInt8](request.body).withUnsafeBufferPointer { try ImageDecoder.decode($0) }
            return "\(image.buffer.width)x\(image.buffer.height)"
        }
        #expect(Set(sizes) == ["32x24", "16x16"])
        #expect(aws.deletedHandles == [message.receiptHandle])
        #expect(aws.deadLetters.isEmpty && aws.visibilityChanges.isEmpty)
        #expect(worker.stats.current == WorkerStats.Counts(succeeded: 1, received: 1))
    }

    @Test("bad messages and missing images go to the dead-letter queue at once, with their codes")
    func deadLetters() async throws {
        let bodies = ["{not json", #"{"bucket":"src-bucket","key":"k","width":0}"#, Self.job("missing.jpg"), Self.job("text.jpg")]
        let messages = bodies.map { ScriptedAWS.message($0) }
        let aws = ScriptedAWS(batches: [messages])
        aws.put("src-bucket", "text.jpg", Data("hello".utf8))
        let worker = try aws.worker(["THUMBD_CONCURRENCY": "4"])
        await Self.runUntilIdle(worker)
        #expect(Set(aws.deadLetters.map(\.code)) == ["bad_json", "invalid_size", "no_such_key", "unsupported_format"])
        #expect(aws.deadLetters.allSatisfy { $0.queue == aws.dlqURL })
        #expect(Set(aws.deletedHandles) == Set(messages.map(\.receiptHandle)), "moved, then deleted from the queue")
        #expect(worker.stats.current == WorkerStats.Counts(deadLettered: 4, received: 4))
    }

    @Test("without a dead-letter queue a permanent failure backs off, counted once, as a retry")
    func noDeadLetterQueue() async throws {
        let message = ScriptedAWS.message(Self.job("missing.jpg"), receiveCount: 3)
        let aws = ScriptedAWS(batches: [[message]])
        let worker = try aws.worker(deadLetterQueue: false)
        await Self.runUntilIdle(worker)
        #expect(aws.deadLetters.isEmpty)
        #expect(aws.deletedHandles.isEmpty)
        #expect(aws.visibilityChanges.map(\.seconds) == [40], "10 s x 2^(3-1)")
        #expect(worker.stats.current == WorkerStats.Counts(retried: 1, received: 1))
    }

    @Test("an S3 event with several records: a permanent failure of one dead-letters the message, later records are not run")
    func multiRecordPermanent() async throws {
        let message = ScriptedAWS.message(Self.event(["a.jpg", "missing.jpg", "c.jpg"]))
        let aws = ScriptedAWS(batches: [[message]])
        aws.put("src-bucket", "a.jpg", ScriptedAWS.jpeg)
        aws.put("src-bucket", "c.jpg", ScriptedAWS.jpeg)
        let worker = try aws.worker(["THUMBD_SIZES": "20x20"])
        await Self.runUntilIdle(worker)
        #expect(aws.uploadedPaths == ["/out-bucket/a-20x20.jpg"])
        #expect(aws.deadLetters.map(\.code) == ["no_such_key"])
        #expect(aws.deletedHandles == [message.receiptHandle])
    }

    @Test("an S3 event with several records: a transient failure backs the whole message off")
    func multiRecordTransient() async throws {
        let message = ScriptedAWS.message(Self.event(["a.jpg", "b.jpg"]), receiveCount: 1)
        let aws = ScriptedAWS(batches: [[message]])
        aws.put("src-bucket", "a.jpg", ScriptedAWS.jpeg)
        aws.put("src-bucket", "b.jpg", ScriptedAWS.jpeg)
        aws.transport.on(.s3("PUT")) { request in
            request.path.contains("/b-") ? .s3Error(503, "SlowDown") : .respond(200, headers: ["ETag": "\"put\""])
        }
        let worker = try aws.worker(["THUMBD_SIZES": "20x20"])
        await Self.runUntilIdle(worker)
        #expect(aws.deadLetters.isEmpty && aws.deletedHandles.isEmpty)
        #expect(aws.visibilityChanges.map(\.seconds) == [10])
        #expect(worker.stats.current == WorkerStats.Counts(retried: 1, received: 1))
    }

    @Test("an S3 event for one of our own thumbnails is skipped, and the message deleted")
    func recursionGuard() async throws {
        let message = ScriptedAWS.message(Self.event(["a-20x20.jpg"]))
        let aws = ScriptedAWS(batches: [[message]])
        let worker = try aws.worker(["THUMBD_SIZES": "20x20", "THUMBD_OUTPUT_BUCKET": "src-bucket"])
        await Self.runUntilIdle(worker)
        #expect(aws.transport.requests(.s3("GET")).isEmpty)
        #expect(aws.deletedHandles == [message.receiptHandle])
    }

    @Test("one message delivered twice at once: both deliveries run and each is deleted by its own receipt handle")
    func duplicateDelivery() async throws {
        let first = ScriptedAWS.message(Self.job("a.jpg"), id: "same-id", handle: "rh-first")
        let second = ScriptedAWS.message(Self.job("a.jpg"), id: "same-id", handle: "rh-second", receiveCount: 2)
        let aws = ScriptedAWS(batches: [[first, second]])
        aws.put("src-bucket", "a.jpg", ScriptedAWS.jpeg)
        let worker = try aws.worker()
        await Self.runUntilIdle(worker)
        #expect(Set(aws.deletedHandles) == ["rh-first", "rh-second"])
        #expect(worker.stats.current.succeeded == 2)
    }

    @Test("the in-flight set keys deliveries by receipt handle: the first's end keeps the second in the heartbeat")
    func inFlightByReceiptHandle() {
        let inFlight = InFlightMessages(capacity: 4)
        let first = ScriptedAWS.message("{}", id: "same-id", handle: "rh-first")
        let second = ScriptedAWS.message("{}", id: "same-id", handle: "rh-second")
        inFlight.add(first)
        inFlight.add(second)
        #expect(inFlight.count == 2 && inFlight.free == 2)
        inFlight.remove(first)
        #expect(inFlight.all.map(\.receiptHandle) == ["rh-second"])
        inFlight.remove(first)  // twice: nothing else goes
        #expect(inFlight.count == 1)
    }

    @Test("never more deliveries in work than slots, and a slot frees the moment a job ends")
    func slots() async throws {
        let messages = (0..<6).map { ScriptedAWS.message(Self.job("p\($0).jpg")) }
        let aws = ScriptedAWS(batches: [messages.prefix(2).map { $0 }, messages.dropFirst(2).map { $0 }])
        for index in 0..<6 { aws.put("src-bucket", "p\(index).jpg", ScriptedAWS.jpeg) }
        let running = Mutex((now: 0, most: 0))
        aws.transport.on(.s3("GET")) { request in
            running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            defer { running.withLock { $0.now -= 1 } }
            try await Task.sleep(for: .milliseconds(30))
            return .respond(200, headers: ["Content-Length": "\(ScriptedAWS.jpeg.count)"], body: ScriptedAWS.jpeg)
        }
        let worker = try aws.worker(["THUMBD_CONCURRENCY": "2"])
        await Self.runUntilIdle(worker)
        #expect(running.withLock { $0.most } == 2)
        #expect(aws.sqsBodies("ReceiveMessage").allSatisfy { ($0["MaxNumberOfMessages"] as? Int ?? 99) <= 2 })
        #expect(aws.deletedHandles.count == 6)
    }

    @Test("a shutdown whose drain runs out releases the delivery at once; the cancelled job then leaves it alone")
    func cancellationDuringDrain() async throws {
        let message = ScriptedAWS.message(Self.job("slow.jpg"))
        let aws = ScriptedAWS(batches: [[message]])
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let cancelled = Mutex(false)
        aws.transport.on(.s3("GET")) { _ in
            startedContinuation.yield()
            do {
                try await Task.sleep(for: .seconds(60))  // ends when cancelled
            } catch {
                cancelled.withLock { $0 = true }
                throw error
            }
            return .respond(200, body: ScriptedAWS.jpeg)
        }
        let worker = try aws.worker(["THUMBD_DRAIN_TIMEOUT": "0"])
        let shutdown = ShutdownSignal()
        async let run: Void = worker.run(shutdown: shutdown)
        for await _ in started { break }
        shutdown.trigger(reason: "SIGTERM")
        await run
        #expect(cancelled.withLock { $0 }, "the download was cancelled, not waited out")
        #expect(aws.visibilityChanges.map(\.seconds) == [0], "released, and no back-off after: \(aws.visibilityChanges)")
        #expect(aws.visibilityChanges.first?.handle == message.receiptHandle)
        #expect(aws.deletedHandles.isEmpty && aws.deadLetters.isEmpty)
    }

    @Test("a receive whose answer is on its way at shutdown is not cut off: what it brings is released at once")
    func receiveAtShutdown() async throws {
        let message = ScriptedAWS.message(Self.job("a.jpg"))
        let aws = ScriptedAWS(batches: [])
        let shutdown = ShutdownSignal()
        aws.transport.on(.sqs("ReceiveMessage")) { _ in
            // SQS has handed the message out; SIGTERM arrives while the answer is in transit (100 ms).
            shutdown.trigger(reason: "SIGTERM")
            try await Task.sleep(for: .milliseconds(100))
            return .sqsJSON(["Messages": [ScriptedAWS.json(message)]])
        }
        let worker = try aws.worker()
        await worker.run(shutdown: shutdown)
        #expect(aws.visibilityChanges.map(\.handle) == [message.receiptHandle], "released, not left invisible for its timeout")
        #expect(aws.visibilityChanges.map(\.seconds) == [0])
        #expect(aws.transport.requests(.s3("GET")).isEmpty, "no job started after the signal")
    }

    @Test("a job past THUMBD_JOB_TIMEOUT fails as timeout and backs off")
    func jobTimeout() async throws {
        let message = ScriptedAWS.message(Self.job("slow.jpg"))
        let aws = ScriptedAWS(batches: [[message]])
        aws.transport.on(.s3("GET")) { _ in
            try await Task.sleep(for: .seconds(60))
            return .respond(200, body: ScriptedAWS.jpeg)
        }
        let worker = try aws.worker(["THUMBD_JOB_TIMEOUT": "5"])
        await Self.runUntilIdle(worker, seconds: 60)
        // The back-off last; before it only heartbeats (a machine loaded enough to stall the pool for
        // 20 s lets one fire while the job waits for its deadline).
        let changes = aws.visibilityChanges.map(\.seconds)
        #expect(changes.last == 10 && changes.dropLast().allSatisfy { $0 == 60 }, "\(changes)")
        #expect(worker.stats.current.retried == 1)
    }
}

/// The fate of a message, decided alone.
@Suite("Message fate")
struct MessageFateTests {
    static let permanent = JobError(.noSuchKey, "gone")
    static let transient = JobError(.uploadFailed, "503", transient: true)

    @Test("the disposition table", arguments: [
        ([MessageFate.JobResult](), true, MessageFate.delete),
        ([.succeeded, .succeeded], true, .delete),
        ([.failed(permanent)], true, .deadLetter(permanent)),
        ([.failed(permanent)], false, .backOff(permanent, delaySeconds: 20)),
        ([.failed(transient)], true, .backOff(transient, delaySeconds: 20)),
        ([.succeeded, .failed(transient), .failed(permanent)], true, .deadLetter(permanent)),
        ([.failed(permanent), .failed(transient)], true, .deadLetter(permanent)),
        ([.succeeded, .failed(transient), .succeeded], false, .backOff(transient, delaySeconds: 20)),
    ])
    func table(results: [MessageFate.JobResult], hasDLQ: Bool, expected: MessageFate) {
        #expect(MessageFate.decide(results: results, receiveCount: 2, hasDeadLetterQueue: hasDLQ) == expected)
    }

    @Test("back-off: 10 s x 2^(receives - 1), at most 15 minutes")
    func backOff() {
        #expect([0, 1, 2, 3, 4, 5, 6, 7, 100, Int.max].map { MessageFate.backOffDelay(receiveCount: $0) } == [10, 10, 20, 40, 80, 160, 320, 640, 900, 900])
    }
}
