import Dispatch
import Testing

/// Runs a suite's tests off Swift's cooperative pool, one at a time, on a serial dispatch queue of
/// their own (as the service runs the pipeline on threads of its own, not on the pool).
///
/// Imaging tests are synchronous and CPU-heavy (whole-pipeline thumbnails in a debug build). On the
/// pool, which has as many threads as cores (two here), two of them block it for seconds, and every
/// other suite's timers, I/O and continuations wait: a 0.5 s libcurl timeout test once took 24.8 s to
/// resume. On a queue of their own, the kernel shares the cores between the one running and the
/// pool's threads, and the pool stays free; one at a time, they cannot crowd out the tests that
/// measure time either. (Swift Testing counts a test case's time from before its scope: the
/// durations it prints for these include the wait for their turn, and a `.timeLimit` would too.)
///
/// One at a time holds because every imaging test is synchronous. An `async` one would let others
/// run at each suspension, and its child tasks would inherit this one-thread executor: a child
/// blocking on a sibling would deadlock.
///
/// Every test of a suite marked `.offThePool` runs with `OffThePoolExecutor` as its task executor
/// preference (SE-0417), so its synchronous body and every nonisolated `await` in it run there.
struct OffThePool: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(OffThePoolExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffThePool {
    /// Run the suite's tests off the cooperative pool, one at a time (`OffThePool`).
    static var offThePool: Self { Self() }
}

/// A task executor on one serial dispatch queue. Such a queue is served by libdispatch's overcommit
/// threads, which it starts as needed; Swift's cooperative pool on Linux is its own concurrent
/// queue, limited to as many jobs at once as there are cores.
final class OffThePoolExecutor: TaskExecutor {
    static let shared = OffThePoolExecutor()

    /// Set on the queue, so that a test can check where it runs.
    static let marker = DispatchSpecificKey<Bool>()

    private let queue: DispatchQueue

    private init() {
        queue = DispatchQueue(label: "thumbd.tests.off-the-pool")
        queue.setSpecific(key: Self.marker, value: true)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Whether the caller runs on this executor's queue.
    static var isCurrent: Bool { DispatchQueue.getSpecific(key: marker) == true }
}
