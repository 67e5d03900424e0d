import AWSKit
import Foundation
import Imaging
import Logging
import Testing

@testable import ThumbService

/// Job records against moto_server's DynamoDB: every move is a conditional write, so the state
/// machine's rules are DynamoDB's answers here, not our own bookkeeping.
@Suite("Job records in DynamoDB", .enabled(if: Moto.available, Moto.skipNote))
struct JobStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    func record(_ id: String = JobRecord.newID(), owner: String = "alice", created: Date = t0) -> JobRecord {
        JobRecord(
            id: id, owner: owner, createdAt: created, expiresAt: created.addingTimeInterval(604_800),
            source: .init(bucket: "uploads", key: "u/\(id)", bytes: 1234, format: "jpeg", width: 640, height: 480),
            sizes: [SizeRequest(width: 100, height: 100, mode: .fill)], formats: [.png], quality: 70, requestId: "req-1",
            sourceUploaded: true)
    }

    @Test("ids are 26 base32 characters from 128 random bits, never the same twice")
    func ids() {
        let ids = (0..<1000).map { _ in JobRecord.newID() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.count == 26 && $0.allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) } })
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")  // RFC 4648 section 10
    }

    @Test("a record round-trips through its item, and a second create with the same id is refused")
    func createAndGet() async throws {
        let store = try await Moto.jobStore()
        let job = record()
        try await store.create(job)
        let read = try #require(try await store.get(job.id))
        #expect(read == job)
        #expect(read.status == .pending)
        #expect(read.source.width == 640)
        #expect(read.sizes == [SizeRequest(width: 100, height: 100, mode: .fill)])
        #expect(read.job.recordId == job.id)
        #expect(read.job.formats == [.png])
        // Several formats and a placeholder; and a record written before `formats` (only `format`).
        var several = record()
        several.formats = [.avif, .webp, .jpeg]
        several.placeholder = Placeholder(thumbHash: [0x20, 0x08, 0x0A, 0x6D, 0x9A, 0x80, 0x87])
        try await store.create(several)
        let readSeveral = try #require(try await store.get(several.id))
        #expect(readSeveral.formats == [.avif, .webp, .jpeg] && readSeveral.placeholder == several.placeholder)
        #expect(several.item["format"] == .s("avif"), "the first, for readers that know only format")
        var old = record().item
        old["formats"] = nil
        old["thumbhash"] = .s("")  // damaged: no placeholder, and no crash rendering it
        #expect(try JobRecord(item: old).formats == [.png] && JobRecord(item: old).placeholder == nil)
        let again = await #expect(throws: AWSServiceError.self) { try await store.create(job) }
        #expect(again?.isConditionalCheckFailed == true)
        #expect(try await store.get("nope") == nil)
    }

    @Test("pending -> processing -> complete; nothing moves a finished job, not a second run nor a cancel")
    func forwardOnly() async throws {
        let store = try await Moto.jobStore()
        let job = record()
        try await store.create(job)
        let started = try await store.start(job.id, at: Self.t0.addingTimeInterval(1))
        #expect(started.status == .processing)
        #expect(started.attempts == 1)
        // A redelivery after a lost worker is a new attempt.
        #expect(try await store.start(job.id, at: Self.t0.addingTimeInterval(2)).attempts == 2)
        let output = JobRecord.Output(bucket: "out", key: "k-100x100.png", width: 100, height: 100, bytes: 999, contentType: "image/png")
        let done = try await store.complete(
            job.id, outputs: [output], source: nil, timingsMs: ["decode": 1.5], at: Self.t0.addingTimeInterval(3))
        #expect(done.status == .complete)
        #expect(done.outputs == [output])
        #expect(done.timingsMs["decode"] == 1.5)
        #expect(done.finishedAt == Self.t0.addingTimeInterval(3))
        #expect(done.source.width == 640, "the source kept")

        for attempt in [
            { _ = try await store.start(job.id, at: Self.t0) },
            { _ = try await store.cancel(job.id, owner: "alice", at: Self.t0) },
            { _ = try await store.fail(job.id, code: "corrupt", message: "", at: Self.t0) },
            { _ = try await store.redrive(job.id) },
        ] as [@Sendable () async throws -> Void] {
            let conflict = await #expect(throws: JobStore.Conflict.self) { try await attempt() }
            #expect(conflict?.current?.status == .complete)
        }
        #expect(try await store.get(job.id)?.status == .complete)
    }

    @Test("cancel: only the owner's, only before the end; a cancelled job cannot start or complete")
    func cancel() async throws {
        let store = try await Moto.jobStore()
        let job = record()
        try await store.create(job)
        let other = await #expect(throws: JobStore.Conflict.self) { _ = try await store.cancel(job.id, owner: "mallory", at: Self.t0) }
        #expect(other?.current?.owner == "alice", "the caller tells 'not yours' from the record it gets back")
        _ = try await store.start(job.id, at: Self.t0)
        #expect(try await store.cancel(job.id, owner: "alice", at: Self.t0).status == .cancelled)
        await #expect(throws: JobStore.Conflict.self) {
            _ = try await store.complete(job.id, outputs: [], source: nil, timingsMs: [:], at: Self.t0)
        }
        await #expect(throws: JobStore.Conflict.self) { _ = try await store.start(job.id, at: Self.t0) }
        let missing = await #expect(throws: JobStore.Conflict.self) { _ = try await store.cancel("absent", owner: "alice", at: Self.t0) }
        #expect(missing?.current == nil)
    }

    @Test("failed with a code, then redrive: failed -> pending, the error gone; purge marks an ended job")
    func failAndRedrive() async throws {
        let store = try await Moto.jobStore()
        let job = record()
        try await store.create(job)
        _ = try await store.start(job.id, at: Self.t0)
        let failed = try await store.fail(job.id, code: "worker_lost", message: "gone", at: Self.t0.addingTimeInterval(5))
        #expect(failed.status == .failed)
        #expect(failed.error?.code == "worker_lost")
        await #expect(throws: JobStore.Conflict.self) { _ = try await store.markPurged(job.id, owner: "mallory", at: Self.t0) }
        let redriven = try await store.redrive(job.id)
        #expect(redriven.status == .pending)
        #expect(redriven.error == nil)
        #expect(redriven.finishedAt == nil)
        await #expect(throws: JobStore.Conflict.self) { _ = try await store.markPurged(job.id, owner: "alice", at: Self.t0) }
        _ = try await store.fail(job.id, code: "corrupt", message: "bad", at: Self.t0)
        let purged = try await store.markPurged(job.id, owner: "alice", at: Self.t0)
        #expect(purged.isExpired(at: Self.t0))
        await #expect(throws: JobStore.Conflict.self, "a purged job is not redriven") { _ = try await store.redrive(job.id) }
    }

    @Test("list: an owner's jobs newest first in pages, by status; a cursor cannot reach another owner's jobs")
    func list() async throws {
        let store = try await Moto.jobStore()
        var ids: [String] = []
        for index in 0..<5 {
            let job = record(created: Self.t0.addingTimeInterval(Double(index)))
            ids.append(job.id)
            try await store.create(job)
        }
        let bobsFirst = record(owner: "bob")
        try await store.create(bobsFirst)
        _ = try await store.start(ids[1], at: Self.t0)
        _ = try await store.fail(ids[1], code: "corrupt", message: "", at: Self.t0)

        let first = try await store.list(owner: "alice", limit: 3)
        #expect(first.jobs.map(\.id) == [ids[4], ids[3], ids[2]])
        let cursor = try #require(first.next)
        let second = try await store.list(owner: "alice", limit: 3, cursor: cursor)
        #expect(second.jobs.map(\.id) == [ids[1], ids[0]])
        #expect(second.next == nil)
        #expect(try await store.list(owner: "alice", status: .failed, limit: 10).jobs.map(\.id) == [ids[1]])
        // Bob with Alice's cursor reads his own partition from there: none of Alice's jobs.
        let bobsJob = record(owner: "bob", created: Self.t0.addingTimeInterval(-10))
        try await store.create(bobsJob)
        let bob = try await store.list(owner: "bob", limit: 10, cursor: cursor)
        #expect(bob.jobs.map(\.id) == [bobsFirst.id, bobsJob.id], "Bob's jobs older than the cursor's position, none of Alice's")
        await #expect(throws: ListCursor.InvalidCursor.self) { _ = try await store.list(owner: "alice", limit: 3, cursor: "not a cursor") }
    }
}

/// The worker's side of records against moto_server: what a run that ends does to outputs.
@Suite("Job records: the worker's completion", .enabled(if: Moto.available, Moto.skipNote))
struct JobRecordKeeperTests {
    @Test("a second delivery that finishes after the first completed keeps the outputs; a cancelled job's are deleted")
    func duplicateAndCancelledCompletion() async throws {
        let store = try await Moto.jobStore()
        let bucket = "keeper-\(UUID().uuidString.prefix(8).lowercased())"
        try await Moto.s3.createBucket(bucket)
        let settings = try Settings(Settings.Source(environment: ["THUMBD_OUTPUT_BUCKET": bucket]))
        let keeper = JobRecordKeeper(store: store, s3: Moto.s3, settings: settings, events: nil, logger: Logger(label: "test"), now: { Date() })
        var outcome = JobRunner.Outcome()

        for cancelled in [false, true] {
            let now = Date()
            let record = JobRecord(
                id: JobRecord.newID(), owner: "alice", createdAt: now, expiresAt: now.addingTimeInterval(3600),
                source: .init(bucket: "src", key: "a/\(cancelled).jpg"), sizes: [SizeRequest(width: 10, height: 10)])
            try await store.create(record)
            let job = record.job
            let output = try #require(job.outputs(settings: settings).first)
            outcome.outputs = [(output.bucket, output.key, 10, 10, 5, .jpeg)]
            #expect(try await keeper.begin(job, id: record.id) == .run)
            #expect(try await keeper.begin(job, id: record.id) == .run, "a second delivery of the same message")
            try await Moto.s3.putObject(bucket: output.bucket, key: output.key, body: Data("thumb".utf8))
            if cancelled {
                _ = try await store.cancel(record.id, owner: "alice", at: now)
                #expect(try await !keeper.complete(job, id: record.id, outcome: outcome))
                await #expect(throws: AWSServiceError.self, "a cancelled job's output is deleted") {
                    _ = try await Moto.s3.headObject(bucket: output.bucket, key: output.key)
                }
            } else {
                #expect(try await keeper.complete(job, id: record.id, outcome: outcome))
                #expect(try await !keeper.complete(job, id: record.id, outcome: outcome), "the second run finds it complete")
                #expect(try await Moto.s3.headObject(bucket: output.bucket, key: output.key).contentLength == 5, "and leaves its outputs")
                #expect(try await store.get(record.id)?.status == .complete)
            }
        }
    }
}
