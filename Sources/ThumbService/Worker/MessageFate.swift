/// What becomes of one received message once its jobs ran: a pure decision, made in one place from
/// what each job (one per S3 event record, else one) came to. `Worker` applies it.
///
/// | Jobs came to | Dead-letter queue | Fate |
/// |---|---|---|
/// | all succeeded, or nothing ran (skipped, nothing to do) | any | `delete` |
/// | a permanent failure (any transient ones beside it) | yes | `deadLetter` with the first permanent failure |
/// | a permanent failure | none | `backOff` (left to the queue's redrive policy) |
/// | only transient failures | any | `backOff` with the first transient failure |
///
/// A permanent failure outranks a transient one: retrying cannot fix the record that failed for
/// good, and the whole message (every record) goes to the dead-letter queue, to be redriven as a whole.
public enum MessageFate: Sendable, Equatable {
    /// Done (or nothing to do): delete the message.
    case delete
    /// Copy the message to the dead-letter queue with the failure's code and message, then delete it.
    case deadLetter(JobError)
    /// Make the message visible again after `delaySeconds` (ChangeMessageVisibility), to be retried.
    case backOff(JobError, delaySeconds: Int)

    /// What one job that ran came to (a job skipped on purpose, an S3 event for one of our own
    /// thumbnails, is no result: it decides nothing).
    public enum JobResult: Sendable, Equatable {
        case succeeded
        case failed(JobError)
    }

    /// Decides a message's fate; see the table above.
    /// - Parameters:
    ///   - results: one per job that ran, in order (empty: nothing ran).
    ///   - receiveCount: SQS's `ApproximateReceiveCount`, 1 on the first delivery.
    ///   - hasDeadLetterQueue: whether the worker found a dead-letter queue (`ServiceQueues`).
    public static func decide(results: [JobResult], receiveCount: Int, hasDeadLetterQueue: Bool) -> MessageFate {
        let failures = results.compactMap { result -> JobError? in
            if case .failed(let error) = result { return error }
            return nil
        }
        if let permanent = failures.first(where: { !$0.isTransient }) {
            return hasDeadLetterQueue ? .deadLetter(permanent) : .backOff(permanent, delaySeconds: backOffDelay(receiveCount: receiveCount))
        }
        if let transient = failures.first {
            return .backOff(transient, delaySeconds: backOffDelay(receiveCount: receiveCount))
        }
        return .delete
    }

    /// The longest back-off, in seconds (15 minutes: SQS's longest message delay, so the worst case
    /// matches what a delayed resend would give).
    public static let maxBackOffSeconds = 900
    /// The first back-off, in seconds.
    public static let baseBackOffSeconds = 10

    /// Seconds before a failed message is visible again: `min(900, 10 x 2^(receiveCount - 1))`, so 10,
    /// 20, 40, 80... up to 15 minutes. Unlike the HTTP retry policy (`RetryPolicy.delay`, which waits
    /// `random x min(2^n x base, 20 s)` between attempts of one request, within a job), this is the
    /// wait between deliveries of a whole message: deterministic, because every worker sees the same
    /// receive count, and long, because what failed (an outage, a full bucket) takes minutes to mend.
    /// - Parameter receiveCount: SQS's `ApproximateReceiveCount` (values below 1 count as 1).
    public static func backOffDelay(receiveCount: Int) -> Int {
        let doublings = min(10, max(0, receiveCount - 1))
        return min(maxBackOffSeconds, baseBackOffSeconds << doublings)
    }

    /// The word for the job log line's `job.result` (`ok`, `dead_lettered`, `retry`).
    public var result: String {
        switch self {
        case .delete: "ok"
        case .deadLetter: "dead_lettered"
        case .backOff: "retry"
        }
    }
}
