import AWSKit
import Foundation
import Logging

/// Ends the job records of messages that reached the dead-letter queue by the queue's redrive policy.
///
/// When workers die on a message (or lose it) `maxReceiveCount` times, SQS moves it to the dead-letter
/// queue on its next receive, and no worker ever hears of it again: its record would stay
/// `processing` forever. So each worker also looks through the dead-letter queue, a round every
/// `interval` (10 s) without taking anything from it: it receives until two receives in a row bring
/// nothing new (at most `maxReceivesPerRound`), each message hidden only `peekVisibility` (2 s), so a
/// round gets past the first ten to the rest, and everything is back at once for `thumbctl dlq list`
/// and `redrive`. A message naming a job record (`job_id`) whose record has not ended is recorded
/// `failed` with `worker_lost` (or the code in its `thumbd.error_code` attribute, had a worker
/// dead-lettered it but failed to record it). A job is thus `failed` within about `interval` plus one
/// long poll of its message reaching the queue.
///
/// A message is settled once per process (its id is remembered once its record was written or found
/// ended; at most `rememberedLimit`); one whose record could not be written is tried again next round.
/// Several workers doing this at once is harmless: the record moves by a conditional write.
struct DeadLetterWatch: Sendable {
    let sqs: SQSClient
    let deadLetterURL: String
    let records: JobRecordKeeper
    let parser: JobMessageParser
    let logger: Logger
    let now: @Sendable () -> Date
    var interval: Duration = .seconds(10)

    static let rememberedLimit = 100_000
    static let maxReceivesPerRound = 50
    static let peekVisibility = DeadLetterWatchTiming.peekVisibility

    func run() async {
        var seen = Set<String>()
        while !Task.isCancelled {
            do {
                var quiet = 0
                var receives = 0
                while quiet < 2, receives < Self.maxReceivesPerRound, !Task.isCancelled {
                    // The round's first receive long-polls, so an empty queue costs one request per round.
                    let messages = try await sqs.receiveMessage(
                        queueUrl: deadLetterURL, maxMessages: 10, waitSeconds: receives == 0 ? 20 : 0,
                        visibilityTimeout: Self.peekVisibility)
                    receives += 1
                    let fresh = messages.filter { !seen.contains($0.messageId) }
                    quiet = fresh.isEmpty ? quiet + 1 : 0
                    for message in fresh where await settle(message) {
                        seen.insert(message.messageId)
                    }
                }
                if seen.count > Self.rememberedLimit { seen.removeAll() }
            } catch {
                if Task.isCancelled { return }
                logger.warning("dead-letter watch failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Records the job of one dead-lettered message `failed` (if it names one that has not ended).
    /// - Returns: whether the message is settled (nothing to do, written, or ended already); `false`
    ///   when the table could not be written, to try again next round.
    func settle(_ message: SQSMessage) async -> Bool {
        guard case .jobs(let jobs)? = try? parser.parse(message.body) else { return true }
        var settled = true
        for job in jobs {
            guard let id = job.recordId else { continue }
            let code = message.messageAttributes?["thumbd.error_code"]?.stringValue
            let error =
                code.flatMap(JobError.Code.init(rawValue:)).map {
                    JobError($0, message.messageAttributes?["thumbd.error_message"]?.stringValue ?? "")
                }
                ?? JobError(.workerLost, "the message reached the dead-letter queue by the queue's redrive policy without a result")
            do {
                let record = try await records.store.fail(id, code: error.code.rawValue, message: error.message, at: now())
                await records.sendEvent(record)
                logger.warning("job failed in the dead-letter queue", metadata: [
                    "job.id": "\(id)", "message.id": "\(message.messageId)", "error.code": "\(error.code.rawValue)",
                ])
            } catch is JobStore.Conflict {
                // Ended already (dead-lettered by a worker, cancelled) or gone.
            } catch {
                logger.warning("recording a dead-lettered job failed", metadata: ["job.id": "\(id)", "error": "\(error)"])
                settled = false
            }
        }
        return settled
    }
}

/// How long a worker's look at the dead-letter queue hides a message, and the long poll the tools that
/// read that queue (`thumbctl dlq list`, `redrive`) use so that it outlasts the hiding.
public enum DeadLetterWatchTiming {
    public static let peekVisibility = 2
    public static let longerThanPeek = 3
}
