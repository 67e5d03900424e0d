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
/// Waiting is by signal: a waiter is resumed when a delivery ends (or `wakeAll` is called), never by
/// polling.
final class InFlightMessages: Sendable {
    private struct State {
        var messages: [String: SQSMessage] = [:]
        var slotWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var emptyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0

        subscript(kind: WaitKind) -> [Int: CheckedContinuation<Void, Never>] {
            get { kind == .slot ? slotWaiters : emptyWaiters }
            set { if kind == .slot { slotWaiters = newValue } else { emptyWaiters = newValue } }
        }
    }

    private enum WaitKind { case slot, empty }

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

    /// Ends one delivery's work; wakes a slot waiter, and the drain when none is left.
    func remove(_ message: SQSMessage) {
        let toResume = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.messages.removeValue(forKey: message.receiptHandle) != nil else { return [] }
            var resume = Array(state.slotWaiters.values)
            state.slotWaiters.removeAll()
            if state.messages.isEmpty {
                resume += state.emptyWaiters.values
                state.emptyWaiters.removeAll()
            }
            return resume
        }
        for continuation in toResume { continuation.resume() }
    }

    /// Returns once a slot is free or `stop()` is true (checked under the lock, so a `wakeAll` from
    /// whoever makes it true cannot be missed).
    func waitForFreeSlot(orUntil stop: @escaping () -> Bool) async {
        await wait(.slot) { $0.messages.count < self.capacity || stop() }
    }

    /// Returns once nothing is in work, or when `wakeAll` is called, or when the task is cancelled.
    func waitUntilEmpty() async {
        await wait(.empty) { $0.messages.isEmpty }
    }

    /// Resumes every waiter (shutdown: the receive loop must look at the signal).
    func wakeAll() {
        let all = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer {
                state.slotWaiters.removeAll()
                state.emptyWaiters.removeAll()
            }
            return Array(state.slotWaiters.values) + Array(state.emptyWaiters.values)
        }
        for continuation in all { continuation.resume() }
    }

    private func wait(_ kind: WaitKind, until done: @escaping (State) -> Bool) async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if done(state) || Task.isCancelled { return true }
                    state[kind][id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0[kind].removeValue(forKey: id) }
            continuation?.resume()
        }
    }
}
