/// A job record's state. It only moves forward:
///
///     pending -> processing -> complete
///        |           |-------> failed  (the one way back: `thumbctl dlq redrive`, failed -> pending)
///        |-----------+-------> cancelled
///
/// `processing -> processing` is a new attempt after a lost delivery (the worker died or timed out).
/// Every move is a conditional write in `JobStore`, so a duplicate delivery cannot redo a finished job.
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    case pending, processing, complete, failed, cancelled

    /// Whether the job has ended (no move but redrive leaves these).
    public var isFinal: Bool { self == .complete || self == .failed || self == .cancelled }
}
