import Foundation
import Logging
import Synchronization

/// The worker's counters, one per message fate, and the periodic `stats` log line.
final class WorkerStats: Sendable {
    struct Counts: Equatable {
        /// Messages done and deleted.
        var succeeded = 0
        /// Messages moved to the dead-letter queue.
        var deadLettered = 0
        /// Messages backed off to be retried (with no dead-letter queue, permanent failures too).
        var retried = 0
        /// Messages deleted with nothing to do (`s3:TestEvent`...).
        var ignored = 0
        var received = 0
    }

    private let counts = Mutex(Counts())

    var current: Counts { counts.withLock { $0 } }

    func update(_ change: (inout Counts) -> Void) {
        counts.withLock { change(&$0) }
    }

    /// Logs the counters every `interval` until cancelled.
    func report(every interval: Duration, inFlight: @escaping () -> Int, logger: Logger) async {
        var previous = current.succeeded
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            let now = current
            let rate = Double(now.succeeded - previous) / (interval / .seconds(1))
            var metadata: Logger.Metadata = [
                "jobs.ok": "\(now.succeeded)", "jobs.dead_lettered": "\(now.deadLettered)", "jobs.retried": "\(now.retried)",
                "jobs.in_flight": "\(inFlight())", "jobs.per_s": "\(String(format: "%.2f", rate))",
                "messages.ignored": "\(now.ignored)", "messages.received": "\(now.received)",
            ]
            if let heap = HeapStatistics.current() {
                metadata["heap.in_use_mb"] = "\(String(format: "%.1f", Double(heap.inUseBytes) / 1_048_576))"
                metadata["heap.size_mb"] = "\(String(format: "%.1f", Double(heap.heapBytes) / 1_048_576))"
            }
            logger.info("stats", metadata: metadata)
            previous = now.succeeded
        }
    }
}
