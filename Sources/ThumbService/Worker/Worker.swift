import AWSKit
import Foundation
import Imaging
import Logging
import Synchronization

/// The queue worker: long-polls, keeps `concurrency` jobs in flight, extends the visibility of
/// messages in work, deletes a message only after all its outputs are uploaded, sends permanent
/// failures to the dead-letter queue with their reason, backs transient ones off, and on shutdown
/// stops receiving, drains, and makes what it could not finish visible again.
public final class Worker: Sendable {
    public struct Queues: Sendable {
        public var url: String
        public var deadLetterURL: String?
    }

    let settings: Settings
    let sqs: SQSClient
    let runner: JobRunner
    let queues: Queues
    let logger: Logger
    let parser: JobMessageParser
    let inFlight = InFlightMessages()
    let stats = Mutex(Stats())
    let lastActivity = Mutex(ContinuousClock.now)
    /// When the receive loop last went round: the systemd watchdog is fed only while it does.
    let lastLoop = Mutex(ContinuousClock.now)

    /// Whether the receive loop went round within `seconds` (a long poll takes up to 20 s).
    public func isMakingProgress(within seconds: Double) -> Bool {
        lastLoop.withLock { $0.duration(to: .now) } < .milliseconds(Int(seconds * 1000))
    }

    struct Stats {
        var succeeded = 0
        var deadLettered = 0
        var retried = 0
        var ignored = 0
        var received = 0
    }

    public init(settings: Settings, clients: ServiceClients, queues: Queues, logger: Logger) {
        self.settings = settings
        self.sqs = clients.sqs
        self.runner = JobRunner(s3: clients.s3, settings: settings)
        self.queues = queues
        self.logger = logger
        self.parser = JobMessageParser(defaultSizes: settings.sizes, maxSide: settings.limits.maxOutputSide)
    }

    /// Finds the queue and its dead-letter queue (THUMBD_DLQ, else the queue's RedrivePolicy target,
    /// else `<queue>-dlq` if it exists) and checks they can be read: the start-up check.
    public static func resolveQueues(settings: Settings, clients: ServiceClients) async throws -> Queues {
        let url = try await clients.queueURL(try settings.requireQueue())
        let attributes = try await clients.sqs.getQueueAttributes(queueUrl: url, names: ["QueueArn", "RedrivePolicy"])
        if let dlq = settings.deadLetterQueue {
            return Queues(url: url, deadLetterURL: try await clients.queueURL(dlq))
        }
        if let policy = attributes["RedrivePolicy"], let data = policy.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let arn = object["deadLetterTargetArn"] as? String, let name = arn.split(separator: ":").last
        {
            return Queues(url: url, deadLetterURL: try await clients.queueURL(String(name)))
        }
        let conventional = ServiceClients.queueName(url) + "-dlq"
        return Queues(url: url, deadLetterURL: try? await clients.queueURL(conventional))
    }

    /// Runs until `shutdown` triggers (a signal, or idleness with THUMBD_EXIT_WHEN_IDLE), then drains.
    public func run(shutdown: ShutdownSignal) async {
        let deleter = DeleteBatcher(sqs: sqs, queueURL: queues.url) { [logger] message, reason in
            logger.warning("delete failed", metadata: ["message.id": "\(message.messageId)", "error": "\(reason)"])
        }
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.heartbeat() }
                group.addTask { await self.flushDeletes(deleter) }
                group.addTask { await self.reportStats() }
            }
        }
        let slots = Slots(capacity: settings.concurrency)
        // A discarding group: a plain TaskGroup keeps every finished child until someone calls next(),
        // which grew the daemon by ~7 KB a job (scripts/soak.sh found it).
        await withDiscardingTaskGroup { jobs in
            while !shutdown.isTriggered {
                lastLoop.withLock { $0 = .now }
                await slots.waitForFree(shutdown: shutdown) { self.lastLoop.withLock { $0 = .now } }
                if shutdown.isTriggered { break }
                let free = slots.free
                let messages = await receive(max: min(SQSClient.maxBatchEntries, free), shutdown: shutdown)
                if shutdown.isTriggered {
                    await release(messages, reason: "received during shutdown")
                    break
                }
                if messages.isEmpty {
                    checkIdle(shutdown: shutdown)
                    continue
                }
                lastActivity.withLock { $0 = .now }
                stats.withLock { $0.received += messages.count }
                for message in messages {
                    slots.take()
                    inFlight.add(message)
                    jobs.addTask {
                        await self.handle(message, deleter: deleter)
                        self.inFlight.remove(message)
                        slots.release()
                        self.lastActivity.withLock { $0 = .now }
                    }
                }
            }
            await drain(jobs: &jobs)
        }
        await deleter.flush()
        background.cancel()
        await background.value
        logger.info("stopped", metadata: ["reason": "\(shutdown.reason ?? "")"])
    }

    /// Waits up to the drain timeout for jobs in work; whatever is left is cancelled and its
    /// messages made visible again at once, for another worker.
    private func drain(jobs: inout DiscardingTaskGroup) async {
        if inFlight.count > 0 {
            logger.info("draining", metadata: ["in_flight": "\(inFlight.count)", "drain_timeout_s": "\(settings.drainTimeout)"])
        }
        let deadline = ContinuousClock.now + .seconds(settings.drainTimeout)
        while inFlight.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let unfinished = inFlight.all
        if !unfinished.isEmpty {
            await release(unfinished, reason: "drain timeout")
            jobs.cancelAll()
        }
        // The group's end waits for the cancelled jobs.
    }

    private func receive(max count: Int, shutdown: ShutdownSignal) async -> [SQSMessage] {
        let task = Task { [sqs, queues, settings] in
            try await sqs.receiveMessage(
                queueUrl: queues.url, maxMessages: count, waitSeconds: settings.waitTimeSeconds,
                visibilityTimeout: settings.visibilityTimeout)
        }
        let token = shutdown.onTrigger { task.cancel() }
        defer { shutdown.remove(token) }
        do {
            return try await task.value
        } catch {
            if !shutdown.isTriggered {
                logger.warning("receive failed", metadata: ["error": "\(error)"])
                await shutdown.sleep(seconds: 2)  // the client already retried; do not spin
            }
            return []
        }
    }

    private func checkIdle(shutdown: ShutdownSignal) {
        guard let limit = settings.exitWhenIdle, inFlight.count == 0 else { return }
        let idle = lastActivity.withLock { $0.duration(to: .now) }
        if idle >= .seconds(limit) { shutdown.trigger(reason: "idle for \(limit) s") }
    }

    /// Makes messages visible again at once (ChangeMessageVisibility to 0).
    private func release(_ messages: [SQSMessage], reason: String) async {
        guard !messages.isEmpty else { return }
        // If this fails the messages still come back after their visibility timeout: nothing is lost.
        _ = try? await sqs.changeMessageVisibility(queueUrl: queues.url, messages: messages, visibilityTimeout: 0)
        logger.info("released", metadata: ["messages": "\(messages.count)", "reason": "\(reason)"])
    }

    // MARK: One message

    func handle(_ message: SQSMessage, deleter: DeleteBatcher) async {
        let started = ContinuousClock.now
        let parsed: JobMessage
        do {
            parsed = try parser.parse(message.body)
        } catch {
            // The parser throws only JobErrors; anything else is still a message that cannot be read.
            let jobError = (error as? JobError) ?? JobError("unsupported_message", "\(error)")
            await deadLetter(message, jobError)
            logJob(message, job: nil, outcome: nil, error: jobError, started: started, result: "dead_lettered")
            return
        }
        switch parsed {
        case .ignore(let reason):
            stats.withLock { $0.ignored += 1 }
            await deleter.delete(message)
            logger.info("ignored", metadata: ["message.id": "\(message.messageId)", "reason": "\(reason)"])
        case .jobs(let jobs):
            var failure: JobError?
            for job in jobs {
                let outputBucket = job.outputBucket ?? settings.outputBucket ?? job.bucket
                if job.fromS3Event && outputBucket == job.bucket && KeyTemplate.matchesOutput(job.key, template: settings.keyTemplate) {
                    // An S3 event for one of our own thumbnails: thumbnailing it again would loop forever.
                    logger.info("skipped", metadata: ["message.id": "\(message.messageId)", "source": "s3://\(job.bucket)/\(job.key)", "reason": "key is a thumbnail (S3 event recursion guard)"])
                    continue
                }
                do {
                    let outcome = try await runWithDeadline(job)
                    logJob(message, job: job, outcome: outcome, error: nil, started: started, result: "ok")
                } catch {
                    let jobError = (error as? JobError) ?? JobError("internal", "\(error)", transient: true)
                    logJob(message, job: job, outcome: nil, error: jobError, started: started, result: jobError.isTransient ? "retry" : "dead_lettered")
                    // A permanent failure decides the message's fate; a transient one may still be overridden by one.
                    if failure == nil || (failure!.isTransient && !jobError.isTransient) { failure = jobError }
                    if !jobError.isTransient { break }
                }
            }
            if let failure {
                if failure.isTransient { await backOff(message, failure) } else { await deadLetter(message, failure) }
            } else {
                stats.withLock { $0.succeeded += 1 }
                await deleter.delete(message)
            }
        }
    }

    private func runWithDeadline(_ job: Job) async throws -> JobRunner.Outcome {
        let timeout = settings.jobTimeout
        return try await withThrowingTaskGroup(of: JobRunner.Outcome?.self) { group in
            group.addTask { try await self.runner.run(job) }
            group.addTask {
                // In steps of a second: a cancelled Task.sleep returns at once, but its timer stays
                // queued in Dispatch until the original deadline, holding the task's memory. One 300 s
                // sleep per job kept ~1 KB per job alive for 5 minutes (scripts/soak.sh: RSS rose
                // linearly, and was flat with a 10 s deadline).
                let deadline = ContinuousClock.now + .seconds(timeout)
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: min(.seconds(1), ContinuousClock.now.duration(to: deadline)))
                }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let outcome = first else {
                throw JobError("timeout", "the job took longer than \(timeout) s", transient: true)
            }
            return outcome
        }
    }

    /// Permanent failure: the message goes to the DLQ at once with its reason, then leaves the queue.
    /// Without a DLQ it is left to the queue's redrive policy.
    private func deadLetter(_ message: SQSMessage, _ error: JobError) async {
        stats.withLock { $0.deadLettered += 1 }
        guard let dlq = queues.deadLetterURL else {
            await backOff(message, error)
            return
        }
        let attributes: [String: MessageAttributeValue] = [
            "thumbd.error_code": .string(error.code),
            "thumbd.error_message": .string(String(error.message.prefix(1000))),
            "thumbd.source_message_id": .string(message.messageId),
            "thumbd.source_queue": .string(queues.url),
            "thumbd.receive_count": .number(message.receiveCount),
        ]
        do {
            _ = try await sqs.sendMessage(queueUrl: dlq, body: message.body, attributes: attributes)
            try await sqs.deleteMessage(queueUrl: queues.url, receiptHandle: message.receiptHandle)
        } catch {
            // Not moved: it stays in the queue and comes back; nothing is lost.
            logger.error("dead-lettering failed", metadata: ["message.id": "\(message.messageId)", "error": "\(error)"])
        }
    }

    /// Transient failure: visible again after 10 s x 2^(receives - 1), at most 15 minutes.
    private func backOff(_ message: SQSMessage, _ error: JobError) async {
        stats.withLock { $0.retried += 1 }
        let delay = min(900, 10 * (1 << min(10, max(0, message.receiveCount - 1))))
        _ = try? await sqs.changeMessageVisibility(
            queueUrl: queues.url, receiptHandle: message.receiptHandle, visibilityTimeout: delay)
    }

    // MARK: Background work

    /// Extends the visibility of every message in work a third of the way into its timeout.
    private func heartbeat() async {
        let interval = Double(max(1, settings.visibilityTimeout / 3))
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            if Task.isCancelled { return }
            do {
                try await sqs.changeMessageVisibility(
                    queueUrl: queues.url, messages: inFlight.all, visibilityTimeout: settings.visibilityTimeout)
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func flushDeletes(_ deleter: DeleteBatcher) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            await deleter.flush()
        }
    }

    private func reportStats() async {
        var previous = stats.withLock { $0.succeeded }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(settings.statsInterval))
            if Task.isCancelled { return }
            let now = stats.withLock { $0 }
            var metadata: Logger.Metadata = [
                "jobs.ok": "\(now.succeeded)", "jobs.dead_lettered": "\(now.deadLettered)", "jobs.retried": "\(now.retried)",
                "messages.ignored": "\(now.ignored)", "messages.received": "\(now.received)", "in_flight": "\(inFlight.count)",
                "jobs_per_s": "\(String(format: "%.2f", Double(now.succeeded - previous) / Double(settings.statsInterval)))",
            ]
            if let heap = HeapStatistics.current() {
                metadata["heap.in_use_mb"] = "\(String(format: "%.1f", Double(heap.inUseBytes) / 1_048_576))"
                metadata["heap.size_mb"] = "\(String(format: "%.1f", Double(heap.heapBytes) / 1_048_576))"
            }
            logger.info("stats", metadata: metadata)
            previous = now.succeeded
        }
    }

    private func logJob(_ message: SQSMessage, job: Job?, outcome: JobRunner.Outcome?, error: JobError?, started: ContinuousClock.Instant, result: String) {
        func ms(_ duration: Duration) -> String { String(format: "%.1f", Double(duration / .microseconds(1)) / 1000) }
        var metadata: Logger.Metadata = [
            "message.id": "\(message.messageId)", "result": "\(result)", "receive_count": "\(message.receiveCount)",
            "total_ms": "\(ms(started.duration(to: .now)))",
        ]
        if let job {
            metadata["job.id"] = "\(job.id ?? message.messageId)"
            metadata["source"] = "s3://\(job.bucket)/\(job.key)"
        }
        if let error {
            metadata["error.code"] = "\(error.code)"
            metadata["error.message"] = "\(error.message)"
        }
        if let outcome {
            metadata["outputs"] = "\(outcome.outputs.map { "s3://\($0.bucket)/\($0.key) \($0.width)x\($0.height)" }.joined(separator: ", "))"
            metadata["bytes_in"] = "\(outcome.bytesIn)"
            metadata["bytes_out"] = "\(outcome.bytesOut)"
            metadata["download_ms"] = "\(ms(outcome.download))"
            metadata["decode_ms"] = "\(ms(outcome.decode))"
            metadata["resize_ms"] = "\(ms(outcome.resize))"
            metadata["encode_ms"] = "\(ms(outcome.encode))"
            metadata["upload_ms"] = "\(ms(outcome.upload))"
        }
        if error == nil { logger.info("job", metadata: metadata) } else { logger.warning("job", metadata: metadata) }
    }
}

/// Counts free job slots; the receive loop waits for one before polling.
final class Slots: Sendable {
    private let used = Mutex(0)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var free: Int { capacity - used.withLock { $0 } }
    func take() { used.withLock { $0 += 1 } }
    func release() { used.withLock { $0 -= 1 } }

    /// Waits for a free slot; `tick` runs on every check (the loop is alive, just full).
    func waitForFree(shutdown: ShutdownSignal, tick: () -> Void) async {
        while free <= 0 && !shutdown.isTriggered {
            tick()
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
