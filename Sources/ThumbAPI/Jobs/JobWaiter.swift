import Foundation
import ThumbService

/// Holds a request until its job reaches a state it waits for, a deadline, or shutdown. The job's
/// status is watched with every other waited-on job's (`StatusWatch`: one consistent read of each a
/// second, batched), then the whole record is read once; so the answer comes within about a second of
/// the change (RFC 7240's `wait` preference), and a slow job is never a 5xx, only the job as it stands.
struct JobWaiter: Sendable {
    let store: JobStore
    let watch: StatusWatch
    let shutdown: ShutdownNotice

    /// The record once `done` holds for its status, or as it is at the deadline (or at shutdown);
    /// `nil` if it disappeared.
    /// - Parameter current: the status the caller last saw (no read is spent on it).
    /// - Throws: `AWSServiceError`, `JobStore.CorruptRecord` from the final read.
    func wait(for id: String, current: JobStatus, seconds: Int, until done: @escaping @Sendable (JobStatus) -> Bool) async throws
        -> JobRecord?
    {
        var status: JobStatus? = current
        let deadline = ContinuousClock.now + .seconds(seconds)
        while let now = status, !done(now), !shutdown.isTriggered, ContinuousClock.now < deadline {
            let change = await withTaskGroup(of: StatusWatch.Change.self) { group in
                group.addTask { await watch.change(of: id, from: now) }
                group.addTask {
                    await shutdown.sleep(upTo: ContinuousClock.now.duration(to: deadline))
                    return .unchanged
                }
                let first = await group.next() ?? .unchanged
                group.cancelAll()
                return first
            }
            guard case .status(let next) = change else { break }
            status = next
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
