import Synchronization

/// Set once graceful shutdown begins: held `Prefer: wait` requests then answer at once with the job
/// as it stands, and `/readyz` answers 503 so a load balancer stops sending.
public final class ShutdownNotice: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isTriggered: Bool { flag.load(ordering: .acquiring) }
    public func trigger() { flag.store(true, ordering: .releasing) }

    /// Sleeps up to `duration`, in steps of 100 ms, returning early once triggered.
    func sleep(upTo duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while !isTriggered, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: min(.milliseconds(100), ContinuousClock.now.duration(to: deadline)))
        }
    }
}
