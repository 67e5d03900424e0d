/// How soon a job should run: one SQS queue per priority. The main queue (`THUMBD_QUEUE`) is
/// `normal`; `high` and `low` are `<queue>-high` and `<queue>-low`, made by `thumbctl setup` and
/// sharing the main queue's dead-letter queue. A priority whose queue does not exist falls back to
/// the main queue (`ServiceQueues.url(for:)`).
public enum JobPriority: String, Sendable, CaseIterable {
    case high
    case normal
    case low

    /// Highest first: the order the worker looks at the queues in (`PriorityPolling`).
    public static let descending: [JobPriority] = [.high, .normal, .low]

    /// What the main queue's name gets to name this priority's queue (`""` for `normal`).
    public var queueSuffix: String {
        switch self {
        case .high: "-high"
        case .normal: ""
        case .low: "-low"
        }
    }

    /// The queue name for this priority, from the main queue's name.
    public func queueName(main: String) -> String { main + queueSuffix }

    /// Reads `high`, `normal` or `low` (any case).
    /// - Throws: `JobError` `invalid_field` for anything else.
    public static func parse(_ text: String) throws -> JobPriority {
        guard let priority = JobPriority(rawValue: text.lowercased()) else {
            throw JobError(.invalidField, "priority must be high, normal or low, not \"\(text.prefix(40))\"")
        }
        return priority
    }
}
