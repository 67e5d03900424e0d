/// Admission control by memory: a job reserves the bytes its plan says the decode will take before it
/// decodes, and waits (first come, first served) while other jobs hold them. Peak memory is then about
/// the budget, not concurrency x the largest image. A job that needs more than the whole budget can
/// never run and is refused at once.
actor DecodeMemoryBudget {
    let capacity: Int
    private(set) var inUse = 0
    private var waiters: [(id: Int, bytes: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    /// Jobs waiting for memory now.
    var waiting: Int { waiters.count }

    init(capacity: Int) {
        self.capacity = capacity
    }

    struct OverBudget: Error {
        let bytes: Int
        let capacity: Int
    }

    /// Waits until `bytes` are free and takes them; throws `OverBudget` when they never can be, and
    /// `CancellationError` when the task is cancelled while it waits (nothing is taken then).
    func reserve(_ bytes: Int) async throws {
        guard bytes <= capacity else { throw OverBudget(bytes: bytes, capacity: capacity) }
        try Task.checkCancellation()
        if waiters.isEmpty && inUse + bytes <= capacity {
            inUse += bytes
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, bytes, continuation))
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// Runs `body` holding `bytes` of the budget, and gives them back however it ends.
    func withReservation<T: Sendable>(_ bytes: Int, _ body: @Sendable () async throws -> T) async throws -> T {
        try await reserve(bytes)
        do {
            let result = try await body()
            release(bytes)
            return result
        } catch {
            release(bytes)
            throw error
        }
    }

    func release(_ bytes: Int) {
        inUse -= bytes
        admitWaiters()
    }

    private func cancel(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        admitWaiters()
    }

    /// Strictly in order: a large job at the head is not overtaken forever by small ones.
    private func admitWaiters() {
        while let head = waiters.first, inUse + head.bytes <= capacity {
            waiters.removeFirst()
            inUse += head.bytes
            head.continuation.resume()
        }
    }
}
