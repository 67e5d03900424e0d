import Foundation
import ThumbService

/// Holds a request until its job reaches a state it waits for, a deadline, or shutdown: one consistent
/// read of the status alone a second (the cost RFC 7240's `wait` preference may have), then one read of
/// the whole record, so the answer comes within a second of the change and never a 5xx for a slow job.
struct JobWaiter: Sendable {
    let store: JobStore
    let shutdown: ShutdownNotice
    var interval: Duration = .seconds(1)

    /// The record once `done` holds for it, or as it is at the deadline (or at shutdown); `nil` if
    /// it disappeared.
    /// - Throws: `AWSServiceError`, `JobStore.CorruptRecord` from the reads.
    func wait(for id: String, seconds: Int, until done: (JobStatus) -> Bool) async throws -> JobRecord? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var status = try await store.status(id)
        while let current = status, !done(current), !shutdown.isTriggered {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { break }
            await shutdown.sleep(upTo: min(interval, left))
            if Task.isCancelled { break }
            status = try await store.status(id)
        }
        return status == nil ? nil : try await store.get(id)
    }

    /// `wait=N` from a `Prefer` header (RFC 7240 section 4.3), at most `limit` seconds.
    static func preferredWait(_ header: String?, limit: Int = 60) -> Int? {
        guard let header else { return nil }
        for preference in header.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let pair = preference.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "wait", let seconds = Int(pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))), seconds >= 0 {
                return min(seconds, limit)
            }
        }
        return nil
    }
}
