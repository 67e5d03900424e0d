import Testing

@testable import ThumbService

/// Admission control: jobs wait their turn for decode memory, in order, and cancelling a waiting job
/// takes nothing and blocks nobody.
@Suite("decode memory budget")
struct DecodeMemoryBudgetTests {
    @Test("a job needing more than the whole budget is refused at once")
    func overBudget() async {
        let budget = DecodeMemoryBudget(capacity: 100)
        await #expect(throws: DecodeMemoryBudget.OverBudget.self) { try await budget.reserve(101) }
        #expect(await budget.inUse == 0)
    }

    @Test("waiters are admitted first come, first served, as memory is released")
    func order() async throws {
        let budget = DecodeMemoryBudget(capacity: 100)
        try await budget.reserve(60)
        let log = Log()
        let large = Task {
            try await budget.reserve(50)
            await log.append("large")
        }
        while await budget.waiting < 1 { await Task.yield() }
        // 10 would fit now, but the 50 asked first: no overtaking.
        let small = Task {
            try await budget.reserve(10)
            await log.append("small")
        }
        while await budget.waiting < 2 { await Task.yield() }
        #expect(await log.entries.isEmpty)
        await budget.release(60)
        try await large.value
        try await small.value
        #expect(await log.entries == ["large", "small"])
        #expect(await budget.inUse == 60)
    }

    @Test("a job cancelled while it waits takes nothing and lets the next one in")
    func cancellation() async throws {
        let budget = DecodeMemoryBudget(capacity: 100)
        try await budget.reserve(90)
        let cancelled = Task { try await budget.reserve(50) }
        while await budget.waiting < 1 { await Task.yield() }
        let next = Task { try await budget.reserve(10) }
        while await budget.waiting < 2 { await Task.yield() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        try await next.value
        #expect(await budget.inUse == 100)
    }

    actor Log {
        var entries: [String] = []
        func append(_ entry: String) { entries.append(entry) }
    }
}
