import Foundation

/// A pool of dedicated threads for blocking C calls, each holding its own `Resource` (a curl handle,
/// a decoder) that only that thread touches. Threads are started on demand up to `maxThreads` and
/// then live as long as the pool; work beyond that waits in FIFO order.
public final class BlockingThreadPool<Resource>: @unchecked Sendable {
    // Guarded by `condition`.
    private var queue: [@Sendable (Resource) -> Void] = []
    private var head = 0
    private var threadCount = 0
    private var idleCount = 0

    private let condition = NSCondition()
    private let name: String
    private let maxThreads: Int
    private let makeResource: @Sendable () -> Resource

    public init(name: String, maxThreads: Int, makeResource: @escaping @Sendable () -> Resource) {
        precondition(maxThreads > 0, "a pool needs at least one thread")
        self.name = name
        self.maxThreads = maxThreads
        self.makeResource = makeResource
    }

    /// Runs `work` on one of the pool's threads with that thread's resource.
    public func submit(_ work: @escaping @Sendable (Resource) -> Void) {
        condition.lock()
        queue.append(work)
        let pending = queue.count - head
        let startThread = pending > idleCount && threadCount < maxThreads
        if startThread { threadCount += 1 }
        let number = threadCount  // read under the lock (ThreadSanitizer found the read after unlock)
        condition.signal()
        condition.unlock()
        if startThread {
            let thread = Thread { [self] in runWorker() }
            thread.name = "\(name)-\(number)"
            thread.start()
        }
    }

    /// Runs `body` on the pool and returns its result to the awaiting task.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Resource) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { resource in continuation.resume(with: Result { try body(resource) }) }
        }
    }

    private func runWorker() {
        let resource = makeResource()
        while true {
            condition.lock()
            idleCount += 1
            while head == queue.count { condition.wait() }
            idleCount -= 1
            let work = queue[head]
            queue[head] = { _ in }  // let go of what the closure captured (a request, an image) now
            head += 1
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            work(resource)
        }
    }
}
