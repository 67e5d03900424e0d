import Foundation
import Logging
import Synchronization
import ThumbService

/// Watches every job some request is waiting on, for the whole process: a round starts every
/// `interval` (1 s, start to start), reads all their statuses in consistent BatchGetItem calls of up
/// to 100 (the status alone: a round decodes a few bytes per job), then the whole records of the jobs
/// whose status changed (batched too, and only when some did), and hands each record to the waiters
/// whose job left the status they wait from. Each waiting request thus costs the table about one item
/// read a second, but a hundred of them make one request to DynamoDB a second instead of a hundred
/// (each with its signing, connection and decoding). The loop runs only while someone waits.
final class StatusWatch: Sendable {
    let store: JobStore
    let logger: Logger
    let interval: Duration

    /// What a waiter learns.
    enum Change: Sendable, Equatable {
        /// The job's record, in a status other than the one waited from (`nil`: the record is gone).
        case changed(JobRecord?)
        /// Nothing changed before the waiter gave up.
        case unchanged
    }

    private struct Waiter {
        let from: JobStatus
        let continuation: CheckedContinuation<Change, Never>
    }

    private struct State {
        var waiters: [String: [Int: Waiter]] = [:]
        var nextID = 0
        var polling = false
    }

    private let state = Mutex(State())

    init(store: JobStore, logger: Logger, interval: Duration = .seconds(1)) {
        self.store = store
        self.logger = logger
        self.interval = interval
    }

    /// Waits until the job's status is no longer `from`, or the task is cancelled (then `.unchanged`).
    func change(of id: String, from: JobStatus) async -> Change {
        let waiterID = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Change, Never>) in
                let startPolling = state.withLock { state -> Bool? in
                    if Task.isCancelled { return nil }
                    state.waiters[id, default: [:]][waiterID] = Waiter(from: from, continuation: continuation)
                    defer { state.polling = true }
                    return !state.polling
                }
                switch startPolling {
                case nil: continuation.resume(returning: .unchanged)
                case true?: Task { await self.poll() }
                case false?: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                let removed = state.waiters[id]?.removeValue(forKey: waiterID)
                if state.waiters[id]?.isEmpty == true { state.waiters[id] = nil }
                return removed
            }
            waiter?.continuation.resume(returning: .unchanged)
        }
    }

    private static func chunks(_ ids: [String]) -> [[String]] {
        stride(from: 0, to: ids.count, by: 100).map { Array(ids[$0..<min(ids.count, $0 + 100)]) }
    }

    /// The loop: while anyone waits, a round every `interval`, start to start.
    private func poll() async {
        var next = ContinuousClock.now + interval
        while true {
            try? await Task.sleep(until: next, clock: .continuous)
            next = max(next + interval, ContinuousClock.now)
            let ids = state.withLock { state -> [String] in
                if state.waiters.isEmpty { state.polling = false }
                return Array(state.waiters.keys)
            }
            if ids.isEmpty { return }
            var statuses: [String: JobStatus] = [:]
            var records: [String: JobRecord] = [:]
            do {
                for chunk in Self.chunks(ids) {
                    statuses.merge(try await store.statuses(chunk)) { _, new in new }
                }
                let changed = state.withLock { state in
                    ids.filter { id in statuses[id] != nil && state.waiters[id]?.values.contains { $0.from != statuses[id] } == true }
                }
                for chunk in Self.chunks(changed) {
                    records.merge(try await store.records(chunk)) { _, new in new }
                }
            } catch {
                logger.warning("reading the waited-on jobs failed", metadata: ["error": "\(error)"])
                continue
            }
            let woken = state.withLock { state -> [(CheckedContinuation<Change, Never>, Change)] in
                var woken: [(CheckedContinuation<Change, Never>, Change)] = []
                for id in ids {
                    guard let waiters = state.waiters[id] else { continue }
                    let record = records[id]
                    // A status seen without its record (a waiter came or the record went between the
                    // two reads) waits for the next round.
                    if statuses[id] != nil && record == nil { continue }
                    for (waiterID, waiter) in waiters where record?.status != waiter.from {
                        woken.append((waiter.continuation, .changed(record)))
                        state.waiters[id]?[waiterID] = nil
                    }
                    if state.waiters[id]?.isEmpty == true { state.waiters[id] = nil }
                }
                return woken
            }
            for (continuation, change) in woken { continuation.resume(returning: change) }
        }
    }
}
