import AWSKit
import Foundation
import Imaging
import Logging
import Synchronization

/// The queue worker: long-polls (its priority queues highest first, `PriorityPolling`), keeps `THUMBD_CONCURRENCY` deliveries in work, extends the
/// visibility of those in work, deletes a message only after all its outputs are uploaded, sends
/// permanent failures to the dead-letter queue with their code, backs transient ones off, and on
/// shutdown stops receiving, drains, and makes what it could not finish visible again.
///
/// Each message goes through `handle`: parse (`JobMessageParser`), run (`JobRunner`, under the job
/// deadline), decide (`MessageFate.decide`), apply (delete, dead-letter, back off).
public final class Worker: Sendable {
    let settings: Settings
    let sqs: SQSClient
    let runner: JobRunner
    let queues: ServiceQueues
    let logger: Logger
    let parser: JobMessageParser
    let inFlight: InFlightMessages
    let stats = WorkerStats()
    let deleter: DeleteBatcher
    /// Job records (`THUMBD_JOBS_TABLE`), for messages that name one.
    let records: JobRecordKeeper?
    /// Ends the records of jobs whose messages the redrive policy dead-lettered (with records and a DLQ).
    let deadLetterWatch: DeadLetterWatch?
    private let lastActivity = Mutex(ContinuousClock.now)
    private let loop = Mutex(LoopState())

    private struct LoopState {
        /// When the receive loop last went round.
        var lastTurn = ContinuousClock.now
        /// Set while the loop waits for a free slot (every slot busy).
        var waitingForSlotSince: ContinuousClock.Instant?
        /// Receive turns so far (`PriorityPolling.order`).
        var turn = 0
    }

    /// - Parameters:
    ///   - clients: the SQS and S3 clients (any transport: tests pass a scripted one).
    ///   - queues: from `ServiceQueues.resolve`.
    /// - Parameter now: the wall clock of job records' timestamps.
    public init(
        settings: Settings, clients: ServiceClients, queues: ServiceQueues, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.sqs = clients.sqs
        self.runner = JobRunner(s3: clients.s3, settings: settings)
        self.queues = queues
        self.logger = logger
        self.parser = JobMessageParser(defaultSizes: settings.sizes, maxSide: settings.limits.maxOutputSide)
        self.inFlight = InFlightMessages(capacity: settings.concurrency)
        let store = clients.jobStore(settings: settings)
        let events = queues.eventsURL.map { JobEvents(sqs: clients.sqs, queueURL: $0, store: store) }
        let records = store.map { JobRecordKeeper(store: $0, s3: clients.s3, settings: settings, events: events, logger: logger, now: now) }
        self.records = records
        if let records, let dlq = queues.deadLetterURL {
            deadLetterWatch = DeadLetterWatch(
                sqs: clients.sqs, deadLetterURL: dlq, records: records, parser: parser, logger: logger, now: now)
        } else {
            deadLetterWatch = nil
        }
        self.deleter = DeleteBatcher(sqs: clients.sqs, defaultQueueURL: queues.url) { [logger] message, reason in
            logger.warning("delete failed", metadata: ["message.id": "\(message.messageId)", "error": "\(reason)"])
        }
    }

    /// Whether the receive loop is alive, for the systemd watchdog: it went round within `window` (a
    /// long poll takes up to 20 s), or it is waiting for a slot while every slot is busy, for no longer
    /// than a job may take (`THUMBD_JOB_TIMEOUT`) plus a minute.
    public func isMakingProgress(within window: Duration) -> Bool {
        let jobLimit = settings.jobTimeout + .seconds(60)
        return loop.withLock { state in
            if let since = state.waitingForSlotSince { return since.duration(to: .now) < jobLimit }
            return state.lastTurn.duration(to: .now) < window
        }
    }

    /// Runs until `shutdown` triggers (a signal, or idleness with `THUMBD_EXIT_WHEN_IDLE`), then drains.
    public func run(shutdown: ShutdownSignal) async {
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.heartbeat() }
                group.addTask { await self.stats.report(every: self.settings.statsInterval, inFlight: { self.inFlight.count }, logger: self.logger) }
                if let watch = self.deadLetterWatch { group.addTask { await watch.run() } }
            }
        }
        let wake = shutdown.onTrigger { [inFlight] in inFlight.wakeAll() }
        // A discarding group: a plain TaskGroup keeps every finished child until someone calls next(),
        // which grew the daemon by ~7 KB a job (scripts/soak.sh found it).
        await withDiscardingTaskGroup { jobs in
            while !shutdown.isTriggered {
                loop.withLock { $0.lastTurn = .now }
                if inFlight.free <= 0 {
                    loop.withLock { $0.waitingForSlotSince = .now }
                    await inFlight.waitForFreeSlot(orUntil: { shutdown.isTriggered })
                    loop.withLock { $0.waitingForSlotSince = nil }
                    continue
                }
                let messages = await receive(max: min(SQSClient.maxBatchEntries, inFlight.free), shutdown: shutdown)
                if shutdown.isTriggered {
                    await release(messages, reason: "received during shutdown")
                    break
                }
                if messages.isEmpty {
                    checkIdle(shutdown: shutdown)
                    continue
                }
                lastActivity.withLock { $0 = .now }
                stats.update { $0.received += messages.count }
                for message in messages {
                    inFlight.add(message)
                    jobs.addTask {
                        await self.handle(message)
                        self.lastActivity.withLock { $0 = .now }
                        self.inFlight.remove(message)
                    }
                }
            }
            await drain(jobs: &jobs)
        }
        shutdown.remove(wake)
        await deleter.flush()
        background.cancel()
        await background.value
        logger.info("stopped", metadata: ["reason": "\(shutdown.reason ?? "")"])
    }

    /// Waits up to the drain timeout for the deliveries in work; whatever is left is made visible
    /// again at once, for another worker, and its jobs are cancelled (they then leave it alone).
    private func drain(jobs: inout DiscardingTaskGroup) async {
        if inFlight.count > 0 {
            logger.info("draining", metadata: ["jobs.in_flight": "\(inFlight.count)", "drain.timeout_s": "\(settings.drainTimeout.wholeSeconds)"])
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.inFlight.waitUntilEmpty() }
            group.addTask { [timeout = settings.drainTimeout] in try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        // Cancel first, then release: a job that ends after this sees its cancellation and leaves the
        // released delivery to whoever receives it next (see `handle`).
        jobs.cancelAll()
        await release(inFlight.all, reason: "drain timeout")
        // The group's end waits for the cancelled jobs.
    }

    /// How long a receive in progress at shutdown may still take before it is abandoned. SQS answers
    /// a long poll the moment it hands messages out, so a response on its way arrives within this, and
    /// the run loop then releases what it brought. Cutting it off instead would leave those messages
    /// invisible for their whole visibility timeout; a poll still waiting after this has nothing.
    static let receiveGraceAtShutdown: Duration = .seconds(1)

    private func receive(max count: Int, shutdown: ShutdownSignal) async -> [SQSMessage] {
        let turn = loop.withLock { state in
            defer { state.turn += 1 }
            return state.turn
        }
        let order = PriorityPolling.order(queues.jobQueues.map(\.url), turn: turn)
        let task = Task { try await self.receive(from: order, max: count) }
        let token = shutdown.onTrigger {
            Task {
                try? await Task.sleep(for: Self.receiveGraceAtShutdown)
                task.cancel()
            }
        }
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

    /// One receive turn over the queues in `order`. One queue: a long poll. Several: a short poll of
    /// each in order, up to the first that has messages (a queue that fails is logged and passed
    /// over); when none has, a long poll of all of them at once (one long poll at a time would leave
    /// the others waiting up to 20 s), answered once one brings messages and
    /// `receiveGraceAtShutdown` has passed for the others' answers on their way, or once all have
    /// answered. Everything received is returned, in `order`: when two queues answer in the same
    /// moment the worker runs more than its free slots for a while (the decode-memory budget still
    /// bounds memory) rather than hand messages back, which would count a receive against them. The
    /// long polls still waiting then are cancelled; one whose answer arrives all the same has what
    /// it brings made visible again at once.
    private func receive(from order: [String], max count: Int) async throws -> [SQSMessage] {
        let longPoll = settings.waitTime.wholeSeconds
        guard order.count > 1 else { return try await poll(order[0], max: count, wait: longPoll) }
        var reachable: [String] = []
        var failure: (any Error)?
        for url in order {
            do {
                let messages = try await poll(url, max: count, wait: 0)
                if !messages.isEmpty { return messages }
                reachable.append(url)
            } catch {
                if Task.isCancelled { throw error }
                failure = failure ?? error
                logger.warning("receive failed", metadata: ["queue.url": "\(url)", "error": "\(error)"])
            }
        }
        guard !reachable.isEmpty else { throw failure ?? CancellationError() }

        let round = PollRound()
        let (wakeups, wake) = AsyncStream<Void>.makeStream()
        var polls: [Task<Void, Never>] = []
        for (index, url) in reachable.enumerated() {
            polls.append(Task {
                var messages: [SQSMessage] = []
                var failure: (any Error)?
                do {
                    messages = try await self.poll(url, max: count, wait: longPoll)
                } catch {
                    // Cancelled below once the turn is over: not a failure.
                    if !Task.isCancelled { self.logger.warning("receive failed", metadata: ["queue.url": "\(url)", "error": "\(error)"]) }
                    failure = error
                }
                let late = round.state.withLock { round -> Bool in
                    if round.closed { return true }
                    round.answers[index] = messages
                    if let failure {
                        round.failed += 1
                        round.firstError = round.firstError ?? failure
                    }
                    if !messages.isEmpty && round.graceEnds == nil { round.graceEnds = .now + Self.receiveGraceAtShutdown }
                    return false
                }
                if late {
                    await self.release(messages, reason: "a long poll answered after another queue's answer was taken")
                } else {
                    wake.yield()
                }
            })
        }
        var grace: Task<Void, Never>?
        for await _ in wakeups {
            let (answered, graceEnds) = round.state.withLock { ($0.answers.count, $0.graceEnds) }
            if answered == reachable.count { break }
            guard let graceEnds else { continue }
            if ContinuousClock.now >= graceEnds { break }
            if grace == nil {
                grace = Task {
                    try? await Task.sleep(until: graceEnds)
                    wake.yield()
                }
            }
        }
        grace?.cancel()
        wake.finish()
        let (answers, failed, firstError) = round.state.withLock { round in
            round.closed = true
            return (round.answers, round.failed, round.firstError)
        }
        // The polls still waiting are abandoned (libcurl aborts within a second): left running, they
        // would pile up turn after turn, each holding a connection for up to 20 s. One still silent a
        // second after another queue answered almost surely has nothing; should SQS have handed it
        // something in that instant, it comes back after its visibility timeout.
        for poll in polls { poll.cancel() }
        let received = reachable.indices.flatMap { answers[$0] ?? [] }
        // Every queue failed: the caller backs off.
        if received.isEmpty && failed == reachable.count, let firstError { throw firstError }
        return received
    }

    private func poll(_ url: String, max count: Int, wait: Int) async throws -> [SQSMessage] {
        try await sqs.receiveMessage(
            queueUrl: url, maxMessages: count, waitSeconds: wait, visibilityTimeout: settings.visibilityTimeout.wholeSeconds)
    }

    private func checkIdle(shutdown: ShutdownSignal) {
        guard let limit = settings.exitWhenIdle, inFlight.count == 0 else { return }
        let idle = lastActivity.withLock { $0.duration(to: .now) }
        if idle >= limit { shutdown.trigger(reason: "idle for \(limit.wholeSeconds) s") }
    }

    /// Makes deliveries visible again at once (ChangeMessageVisibility to 0).
    private func release(_ messages: [SQSMessage], reason: String) async {
        guard !messages.isEmpty else { return }
        // If this fails the messages still come back after their visibility timeout: nothing is lost.
        for (queue, batch) in byQueue(messages) {
            _ = try? await sqs.changeMessageVisibility(queueUrl: queue, messages: batch, visibilityTimeout: 0)
        }
        logger.info("released", metadata: ["messages.released": "\(messages.count)", "reason": "\(reason)"])
    }

    /// Deliveries grouped by the queue that handed them out.
    private func byQueue(_ messages: [SQSMessage]) -> [String: [SQSMessage]] {
        Dictionary(grouping: messages) { $0.queueUrl ?? queues.url }
    }

    // MARK: One message: parse, run, decide, apply

    /// What one job came to, for its log line.
    private struct JobRun {
        var job: Job?
        var outcome: JobRunner.Outcome?
        var error: JobError?
    }

    func handle(_ message: SQSMessage) async {
        let started = ContinuousClock.now
        var runs: [JobRun] = []  // one per job run (skipped ones decide nothing), or the parse failure
        do {
            switch try parser.parse(message.body) {
            case .ignore(let reason):
                stats.update { $0.ignored += 1 }
                await deleter.delete(message)
                logger.info("ignored", metadata: ["message.id": "\(message.messageId)", "reason": "\(reason)"])
                return
            case .jobs(let jobs):
                for job in jobs {
                    if job.isOwnThumbnail(settings: settings) {
                        logger.info("skipped", metadata: [
                            "message.id": "\(message.messageId)", "job.source": "s3://\(job.bucket)/\(job.key)",
                            "reason": "key is a thumbnail (S3 event recursion guard)",
                        ])
                        continue
                    }
                    do {
                        if let records, let id = job.recordId, case .skip(let reason) = try await records.begin(job, id: id) {
                            logSkipped(message, job, reason: reason)
                            continue
                        }
                        if job.removal {
                            if let outcome = try await runner.removeOutputs(job) {
                                runs.append(JobRun(job: job, outcome: outcome))
                            } else {
                                logSkipped(message, job, reason: "the source exists (uploaded again, or another version remains): its thumbnails stay")
                            }
                            continue
                        }
                        let outcome = try await runWithDeadline(job)
                        if let records, let id = job.recordId, try await !records.complete(job, id: id, outcome: outcome) {
                            logSkipped(message, job, reason: "job \(id) was cancelled, removed or completed by another delivery while it ran")
                            continue
                        }
                        runs.append(JobRun(job: job, outcome: outcome))
                    } catch {
                        if Task.isCancelled {
                            // The drain ran out of time and released this delivery: it is another
                            // worker's now, so its fate is not ours to apply.
                            logJob(message, JobRun(job: job, error: JobError.from(error)), result: "released", started: started)
                            return
                        }
                        let failure = JobError.from(error)
                        runs.append(JobRun(job: job, error: failure))
                        if !failure.isTransient { break }  // the message is dead either way
                    }
                }
            }
        } catch {
            // The parser throws only JobErrors; anything else is still a message that cannot be read.
            let failure = (error as? JobError) ?? JobError(.unsupportedMessage, "\(error)")
            runs.append(JobRun(error: failure))
        }
        if Task.isCancelled {
            // Drained out while its last job ended: the delivery was released, it is another worker's.
            for run in runs { logJob(message, run, result: "released", started: started) }
            return
        }
        let results = runs.map { run in run.error.map(MessageFate.JobResult.failed) ?? .succeeded }
        let fate = MessageFate.decide(results: results, receiveCount: message.receiveCount, hasDeadLetterQueue: queues.deadLetterURL != nil)
        for run in runs {
            logJob(message, run, result: run.error == nil ? "ok" : fate.result, started: started)
            if let records, let id = run.job?.recordId, let error = run.error, endsJob(error, message: message) {
                await records.fail(id: id, error: error)
            }
        }
        await apply(fate, to: message)
    }

    /// Whether a failure ends the job for good (so its record becomes `failed`): a permanent one, or
    /// a transient one on the last delivery the queue's own redrive policy allows (SQS moves the
    /// message to the dead-letter queue on its next receive). Without a redrive policy a transient
    /// failure is retried for as long as the message lives, and the record stays `processing`.
    private func endsJob(_ error: JobError, message: SQSMessage) -> Bool {
        if !error.isTransient { return true }
        guard let limit = queues.maxReceiveCount, queues.deadLetterURL != nil else { return false }
        return message.receiveCount >= limit
    }

    private func logSkipped(_ message: SQSMessage, _ job: Job, reason: String) {
        var metadata: Logger.Metadata = [
            "message.id": "\(message.messageId)", "job.source": "s3://\(job.bucket)/\(job.key)", "reason": "\(reason)",
        ]
        if let id = job.recordId { metadata["job.id"] = "\(id)" }
        if let requestId = job.requestId { metadata["request_id"] = "\(requestId)" }
        logger.info("skipped", metadata: metadata)
    }

    /// Carries out a fate; each is counted once.
    private func apply(_ fate: MessageFate, to message: SQSMessage) async {
        switch fate {
        case .delete:
            stats.update { $0.succeeded += 1 }
            await deleter.delete(message)
        case .deadLetter(let error):
            guard let dlq = queues.deadLetterURL else { preconditionFailure("MessageFate.decide dead-letters only with a DLQ") }
            let attributes: [String: MessageAttributeValue] = [
                "thumbd.error_code": .string(error.code.rawValue),
                "thumbd.error_message": .string(String(error.message.prefix(1000))),
                "thumbd.source_message_id": .string(message.messageId),
                "thumbd.source_queue": .string(message.queueUrl ?? queues.url),
                "thumbd.receive_count": .number(message.receiveCount),
            ]
            do {
                _ = try await sqs.sendMessage(queueUrl: dlq, body: message.body, attributes: attributes)
            } catch {
                // Not moved: it stays in the queue and comes back; nothing is lost.
                logger.error("dead-lettering failed", metadata: ["message.id": "\(message.messageId)", "error": "\(error)"])
                return
            }
            stats.update { $0.deadLettered += 1 }
            await deleter.delete(message)
        case .backOff(_, let delay):
            stats.update { $0.retried += 1 }
            // Should this fail, the message comes back after its visibility timeout instead.
            _ = try? await sqs.changeMessageVisibility(
                queueUrl: message.queueUrl ?? queues.url, receiptHandle: message.receiptHandle, visibilityTimeout: delay)
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
                let deadline = ContinuousClock.now + timeout
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: min(.seconds(1), ContinuousClock.now.duration(to: deadline)))
                }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let outcome = first else {
                throw JobError(.timeout, "the job took longer than \(timeout.wholeSeconds) s", transient: true)
            }
            return outcome
        }
    }

    // MARK: Background work

    /// Extends the visibility of every delivery in work a third of the way into its timeout.
    private func heartbeat() async {
        let interval = max(.seconds(1), settings.visibilityTimeout / 3)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            for (queue, messages) in byQueue(inFlight.all) {
                do {
                    try await sqs.changeMessageVisibility(
                        queueUrl: queue, messages: messages, visibilityTimeout: settings.visibilityTimeout.wholeSeconds)
                } catch {
                    logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// One `job` line: `message.*`, `job.*` and `error.*` keys, durations in milliseconds.
    private func logJob(_ message: SQSMessage, _ record: JobRun, result: String, started: ContinuousClock.Instant) {
        func ms(_ duration: Duration) -> String { String(format: "%.1f", Double(duration / .microseconds(1)) / 1000) }
        var metadata: Logger.Metadata = [
            "message.id": "\(message.messageId)", "message.receive_count": "\(message.receiveCount)",
            "job.result": "\(result)", "job.total_ms": "\(ms(started.duration(to: .now)))",
        ]
        if let job = record.job {
            metadata["job.id"] = "\(job.recordId ?? job.id ?? message.messageId)"
            if let requestId = job.requestId { metadata["request_id"] = "\(requestId)" }
            metadata["job.source"] = "s3://\(job.bucket)/\(job.key)"
        }
        if let error = record.error {
            metadata["error.code"] = "\(error.code.rawValue)"
            metadata["error.message"] = "\(error.message)"
        }
        if let outcome = record.outcome, record.job?.removal == true {
            metadata["job.removed"] = "\(outcome.removed.map { "s3://\($0.bucket)/\($0.key)" }.joined(separator: ", "))"
        } else if let outcome = record.outcome {
            metadata["job.outputs"] = "\(outcome.outputs.map { "s3://\($0.bucket)/\($0.key) \($0.width)x\($0.height)" }.joined(separator: ", "))"
            metadata["job.bytes_in"] = "\(outcome.bytesIn)"
            metadata["job.bytes_out"] = "\(outcome.bytesOut)"
            metadata["job.download_ms"] = "\(ms(outcome.download))"
            metadata["job.decode_ms"] = "\(ms(outcome.decode))"
            metadata["job.resize_ms"] = "\(ms(outcome.resize))"
            metadata["job.encode_ms"] = "\(ms(outcome.encode))"
            metadata["job.upload_ms"] = "\(ms(outcome.upload))"
        }
        if record.error == nil { logger.info("job", metadata: metadata) } else { logger.warning("job", metadata: metadata) }
    }
}

/// The answers of one turn's concurrent long polls (`Worker.receive(from:max:)`), shared by the polls
/// and the turn: once the turn is `closed`, a poll's late answer is the poll's own to release.
private final class PollRound: Sendable {
    struct State {
        var answers: [Int: [SQSMessage]] = [:]
        var closed = false
        var graceEnds: ContinuousClock.Instant?
        var failed = 0
        var firstError: (any Error)?
    }

    let state = Mutex(State())
}
