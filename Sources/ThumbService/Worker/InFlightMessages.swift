import AWSKit
import Synchronization

/// The deliveries being worked on, and the one count of them: the receive loop waits here for a free
/// slot, the heartbeat extends their visibility, the drain waits for them to finish, and a shutdown
/// that cannot wait makes them visible again.
///
/// Keyed by receipt handle, not message id: a message whose visibility lapsed during a long job is
/// delivered again while the first delivery is still in work (SQS is at-least-once). The two
/// deliveries have the same id and different receipt handles, and each must stay in the heartbeat
/// until its own job ends.
///
/// Waiting is by signal: each waiter has a condition, checked under the lock when it starts to wait
/// and again whenever a delivery ends or `wakeAll` is called; never by polling.
final class InFlightMessages: Sendable {
    private struct Waiter {
        let isDone: @Sendable (Int) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var messages: [String: SQSMessage] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    /// The most deliveries in work at once (`THUMBD_CONCURRENCY`).
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity > 0, "at least one slot")
        self.capacity = capacity
    }

    var count: Int { state.withLock { $0.messages.count } }
    var free: Int { capacity - count }
    var all: [SQSMessage] { state.withLock { Array($0.messages.values) } }

    func add(_ message: SQSMessage) {
        state.withLock { $0.messages[message.receiptHandle] = message }
    }

    /// Ends one delivery's work and resumes the waiters whose condition now holds.
    func remove(_ message: SQSMessage) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.messages.removeValue(forKey: message.receiptHandle) != nil else { return [] }
            let count = state.messages.count
            let done = state.waiters.filter { $0.value.isDone(count) }
            for id in done.keys { state.waiters.removeValue(forKey: id) }
            return done.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once a slot is free or `stop()` is true (checked under the lock, so a `wakeAll` from
    /// whoever makes it true cannot be missed).
    func waitForFreeSlot(orUntil stop: @escaping @Sendable () -> Bool) async {
        await wait { [capacity] count in count < capacity || stop() }
    }

    /// Returns once nothing is in work, or when the task is cancelled.
    func waitUntilEmpty() async {
        await wait { $0 == 0 }
    }

    /// Resumes every waiter (shutdown: the receive loop must look at the signal).
    func wakeAll() {
        let all = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in all { continuation.resume() }
    }

    /// Waits until `isDone(count of deliveries in work)`; a cancelled task stops waiting.
    private func wait(until isDone: @escaping @Sendable (Int) -> Bool) async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if isDone(state.messages.count) || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(isDone: isDone, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }
}
