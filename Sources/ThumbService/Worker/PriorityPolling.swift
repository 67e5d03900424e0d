/// The order the worker looks at its queues in, turn by turn: the highest priority first, except
/// that of every `cycle` turns each lower queue goes first in one. With the `high`, main and `low`
/// queues all backlogged, receives go 8 in 10 to `high`, 1 in 10 to the main queue and 1 in 10 to
/// `low`; with two queues, 9 in 10 and 1 in 10. An empty queue gives its turn to the next one in
/// the order, so a lower queue gets every receive the higher ones leave, and at least its share.
enum PriorityPolling {
    static let cycle = 10

    /// The queues (highest priority first) in the order turn `turn` looks at them: starting at the
    /// one whose turn it is, then the rest highest first.
    static func order<Queue>(_ queues: [Queue], turn: Int) -> [Queue] {
        guard queues.count > 1 else { return queues }
        let position = turn % cycle
        let lowerTurns = queues.count - 1  // the last `lowerTurns` positions of a cycle
        let first = position < cycle - lowerTurns ? 0 : position - (cycle - lowerTurns) + 1
        return [queues[first]] + queues.indices.filter { $0 != first }.map { queues[$0] }
    }
}
