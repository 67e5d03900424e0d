import AWSKit
import Foundation
import Logging
import Synchronization
import Testing

@testable import ThumbAPI
@testable import ThumbService

/// Counts the DynamoDB operations that go through it (by `X-Amz-Target`), then sends them on.
final class CountingTransport: HTTPTransport {
    let inner: any HTTPTransport
    private let counts = Mutex<[String: Int]>([:])

    init(_ inner: any HTTPTransport) { self.inner = inner }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if let target = request.headers["X-Amz-Target"] {
            counts.withLock { $0[String(target.split(separator: ".").last ?? ""), default: 0] += 1 }
        }
        return try await inner.send(request)
    }

    func count(_ operation: String) -> Int { counts.withLock { $0[operation] ?? 0 } }
}

@Suite("Waiting requests share one poll", .enabled(if: Moto.available, Moto.skipNote))
struct StatusWatchTests {
    @Test("20 waiters: one status batch a round for all of them, the records of the changed ones only, no read per waiter")
    func oneBatchPerRound() async throws {
        let harness = try await APIHarness()
        let counting = CountingTransport(Moto.transport)
        let client = AWSClient(
            transport: counting, credentials: StaticCredentialProvider(Moto.credentials), region: "us-east-1",
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0.05))
        let store = JobStore(dynamo: DynamoDBClient(client: client, endpoint: Moto.endpoint), table: harness.table)
        let watch = StatusWatch(store: store, logger: Logger(label: "test"))
        var ids: [String] = []
        for index in 0..<20 {
            let now = Date()
            let record = JobRecord(
                id: JobRecord.newID(), owner: "alice", createdAt: now, expiresAt: now.addingTimeInterval(3600),
                source: .init(bucket: "b", key: "k\(index)"), sizes: [SizeRequest(width: 10, height: 10)])
            try await harness.store.create(record)
            ids.append(record.id)
        }
        let waiters = ids.map { id in Task { await watch.change(of: id, from: .pending) } }
        try await Task.sleep(for: .milliseconds(1500))
        for id in ids.prefix(5) { _ = try await harness.store.start(id, at: Date()) }
        var woken: [StatusWatch.Change] = []
        for waiter in waiters.prefix(5) { woken.append(await waiter.value) }
        for waiter in waiters.dropFirst(5) { waiter.cancel() }
        for waiter in waiters.dropFirst(5) { #expect(await waiter.value == .unchanged) }

        #expect(woken.allSatisfy { if case .changed(let record?) = $0 { record.status == .processing } else { false } })
        #expect(counting.count("GetItem") == 0, "no read per waiter")
        // About three rounds in the time: a status batch each, and one records batch for the five.
        let batches = counting.count("BatchGetItem")
        #expect((2...8).contains(batches), "\(batches) BatchGetItem calls for 20 waiters over about 3 s")
    }
}
