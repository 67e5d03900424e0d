import Foundation
import ThumbService

/// Holds a request until its job reaches a state it waits for, a deadline, or shutdown. The job is
/// watched with every other waited-on job (`StatusWatch`: one consistent read of each status a second,
/// batched, and the records that changed), so the answer comes within about a second of the change
/// (RFC 7240's `wait` preference), and a slow job is never a 5xx, only the job as it stands.
struct JobWaiter: Sendable {
    let watch: StatusWatch
    let shutdown: ShutdownNotice

    /// The record once `done` holds for its status, or as it was last seen at the deadline (or at
    /// shutdown); `nil` if it disappeared.
    /// - Parameter current: the record the caller has (no read is spent on it).
    func wait(for current: JobRecord, seconds: Int, until done: @escaping @Sendable (JobStatus) -> Bool) async -> JobRecord? {
        var record: JobRecord? = current
        let deadline = ContinuousClock.now + .seconds(seconds)
        while let now = record, !done(now.status), !shutdown.isTriggered, ContinuousClock.now < deadline {
            let change = await withTaskGroup(of: StatusWatch.Change.self) { group in
                group.addTask { await watch.change(of: now.id, from: now.status) }
                group.addTask {
                    await shutdown.sleep(upTo: ContinuousClock.now.duration(to: deadline))
                    return .unchanged
                }
                let first = await group.next() ?? .unchanged
                group.cancelAll()
                return first
            }
            guard case .changed(let next) = change else { break }
            record = next
        }
        return record
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
