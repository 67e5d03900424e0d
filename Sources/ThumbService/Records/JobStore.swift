import AWSKit
import Foundation
import Imaging

/// Job records in the jobs table (`JobsTable`). Every change of state is one conditional UpdateItem
/// whose condition names the states it may leave, so a state never goes backwards and two writers
/// cannot both win (a cancel racing a completion: one of them fails its condition).
public struct JobStore: Sendable {
    public let dynamo: DynamoDBClient
    public let table: String

    public init(dynamo: DynamoDBClient, table: String) {
        self.dynamo = dynamo
        self.table = table
    }

    /// An item that is not a job record thumbd wrote.
    public struct CorruptRecord: Error, CustomStringConvertible {
        public let attribute: String
        let item: DynamoDBItem
        public var description: String { "job record \(item["id"]?.string ?? "?"): attribute \(attribute) is missing or malformed" }
    }

    /// A move the record's state does not allow: its state as it is now (`nil`: there is no record).
    public struct Conflict: Error, CustomStringConvertible {
        public let current: JobRecord?
        public var description: String { "job is \(current?.status.rawValue ?? "missing")" }
    }

    private static func key(_ id: String) -> DynamoDBItem { [JobsTable.partitionKey: .s(JobsTable.jobKey(id))] }

    // MARK: Reads

    /// The record, or `nil`. Consistent: it sees every write that succeeded before.
    /// - Throws: `AWSServiceError`, `CorruptRecord`.
    public func get(_ id: String) async throws -> JobRecord? {
        try await dynamo.getItem(table: table, key: Self.key(id), consistentRead: true).map(JobRecord.init(item:))
    }

    /// The statuses of up to 100 records in one consistent BatchGetItem (only the key and status are
    /// read: a status poll decodes a few bytes per job, not the whole record); ids with no record are
    /// left out.
    /// - Throws: `AWSServiceError`, `DynamoDBLimitViolation` (over 100 ids).
    public func statuses(_ ids: [String]) async throws -> [String: JobStatus] {
        let items = try await dynamo.batchGetItem(
            table: table, keys: ids.map(Self.key), consistentRead: true, projection: "#pk, #s",
            names: ["#pk": JobsTable.partitionKey, "#s": "status"])
        var statuses: [String: JobStatus] = [:]
        for item in items {
            guard let key = item[JobsTable.partitionKey]?.string, key.hasPrefix("job#"),
                let status = item["status"]?.string.flatMap(JobStatus.init(rawValue:))
            else { continue }
            statuses[String(key.dropFirst("job#".count))] = status
        }
        return statuses
    }

    /// Up to 100 whole records in one consistent BatchGetItem; ids with no record are left out.
    /// - Throws: `AWSServiceError`, `CorruptRecord`, `DynamoDBLimitViolation` (over 100 ids).
    public func records(_ ids: [String]) async throws -> [String: JobRecord] {
        let items = try await dynamo.batchGetItem(table: table, keys: ids.map(Self.key), consistentRead: true)
        var records: [String: JobRecord] = [:]
        for item in items {
            let record = try JobRecord(item: item)
            records[record.id] = record
        }
        return records
    }

    /// One page of an owner's jobs, newest first.
    /// - Parameters:
    ///   - status: only jobs in this state (filtered after reading, so a page may be short).
    ///   - cursor: the previous page's `next`.
    /// - Returns: the jobs and the cursor of the next page (`nil` on the last).
    /// - Throws: `AWSServiceError`, `CorruptRecord`, `InvalidCursor`.
    public func list(owner: String, status: JobStatus? = nil, limit: Int, cursor: String? = nil) async throws -> (
        jobs: [JobRecord], next: String?
    ) {
        var names = ["#p": JobsTable.indexPartition]
        var values: DynamoDBItem = [":p": .s(JobsTable.ownerPartition(owner))]
        var filter: String?
        if let status {
            names["#s"] = "status"
            values[":s"] = .s(status.rawValue)
            filter = "#s = :s"
        }
        let page = try await dynamo.query(
            table: table, index: JobsTable.index, keyCondition: "#p = :p", filter: filter,
            attributes: ExpressionAttributes(names: names, values: values), limit: limit, forward: false,
            startKey: try cursor.map { try ListCursor.decode($0, partition: JobsTable.ownerPartition(owner)) })
        return (try page.items.map(JobRecord.init(item:)), page.lastEvaluatedKey.map(ListCursor.encode))
    }

    // MARK: Writes

    /// Writes a new record.
    /// - Throws: `AWSServiceError` (`ConditionalCheckFailedException` if the id is taken).
    public func create(_ record: JobRecord) async throws {
        try await dynamo.putItem(
            table: table, item: record.item, condition: "attribute_not_exists(#pk)",
            attributes: ExpressionAttributes(names: ["#pk": JobsTable.partitionKey]))
    }

    /// `pending|processing -> processing`: a run starts (a new attempt after a lost delivery).
    /// - Returns: the record as it now is.
    /// - Throws: `Conflict` with the current record when it is final (or missing), `AWSServiceError`.
    public func start(_ id: String, at now: Date) async throws -> JobRecord {
        try await move(
            id, from: [.pending, .processing], to: .processing,
            set: ["started_at = :now": [":now": .s(Timestamp.format(now))], "attempts = if_not_exists(attempts, :zero) + :one": [":zero": .int(0), ":one": .int(1)]],
            remove: ["finished_at", "#e"], names: ["#e": "error"])
    }

    /// `processing -> complete` with what the run made.
    /// - Throws: `Conflict` (cancelled meanwhile: the caller deletes the outputs it wrote), `AWSServiceError`.
    @discardableResult
    public func complete(
        _ id: String, outputs: [JobRecord.Output], source: JobRecord.Source?, placeholder: Placeholder? = nil,
        timingsMs: [String: Double], at now: Date
    ) async throws -> JobRecord {
        var set: [String: DynamoDBItem] = [
            "finished_at = :now": [":now": .s(Timestamp.format(now))],
            "outputs = :outputs": [":outputs": .l(outputs.map { .m($0.item) })],
            "timings_ms = :timings": [":timings": .m(timingsMs.mapValues { .n(String($0)) })],
        ]
        if let placeholder { set["thumbhash = :thumbhash"] = [":thumbhash": .s(placeholder.thumbHashBase64)] }
        if let source { set["#src = :source"] = [":source": .m(source.item)] }
        return try await move(id, from: [.processing], to: .complete, set: set, names: source == nil ? [:] : ["#src": "source"])
    }

    /// `pending|processing -> failed` with the error's code and message (the DLQ's vocabulary).
    /// - Throws: `Conflict`, `AWSServiceError`.
    @discardableResult
    public func fail(_ id: String, code: String, message: String, at now: Date) async throws -> JobRecord {
        try await move(
            id, from: [.pending, .processing], to: .failed,
            set: [
                "finished_at = :now": [":now": .s(Timestamp.format(now))],
                "#e = :error": [":error": .m(["code": .s(code), "message": .s(String(message.prefix(1000)))])],
            ], names: ["#e": "error"])
    }

    /// `pending|processing -> cancelled`, for `owner` only.
    /// - Throws: `Conflict` (already ended, another owner's, or missing: the caller tells them apart
    ///   by `current`), `AWSServiceError`.
    public func cancel(_ id: String, owner: String, at now: Date) async throws -> JobRecord {
        try await move(
            id, from: [.pending, .processing], to: .cancelled, set: ["finished_at = :now": [":now": .s(Timestamp.format(now))]],
            extraCondition: ("#o = :owner", ["#o": "owner"], [":owner": .s(owner)]))
    }

    /// `failed -> pending`: `thumbctl dlq redrive` sends the job's message again, as a new attempt
    /// (its webhook, if any, is due again when it ends).
    /// A purged job stays gone (its upload was deleted).
    /// - Throws: `Conflict` when the job is not failed or was purged, `AWSServiceError`.
    @discardableResult
    public func redrive(_ id: String) async throws -> JobRecord {
        try await move(
            id, from: [.failed], to: .pending, set: [:], remove: ["finished_at", "#e", "started_at", "webhook"], names: ["#e": "error"],
            extraCondition: ("attribute_not_exists(purged_at)", [:], [:]))
    }

    /// Marks an ended job purged (its outputs and upload were deleted): it answers 410 from now on.
    /// - Throws: `Conflict` when it has not ended or is another owner's, `AWSServiceError`.
    @discardableResult
    public func markPurged(_ id: String, owner: String, at now: Date) async throws -> JobRecord {
        let final = JobStatus.allCases.filter(\.isFinal)
        return try await move(
            id, from: final, to: nil, set: ["purged_at = :now": [":now": .s(Timestamp.format(now))]],
            extraCondition: ("#o = :owner", ["#o": "owner"], [":owner": .s(owner)]))
    }

    /// Records where the job's webhook delivery is.
    /// - Returns: false when there is no such record (expired meanwhile), or with `onlyIfUnset` one
    ///   was recorded already.
    /// - Throws: `AWSServiceError`.
    /// - Parameter onlyIfUnset: write only if no delivery has been recorded yet.
    @discardableResult
    public func setWebhook(_ id: String, _ delivery: WebhookDelivery, onlyIfUnset: Bool = false) async throws -> Bool {
        do {
            try await dynamo.updateItem(
                table: table, key: Self.key(id), update: "SET webhook = :w",
                condition: onlyIfUnset ? "attribute_exists(#pk) AND attribute_not_exists(webhook)" : "attribute_exists(#pk)",
                attributes: ExpressionAttributes(names: ["#pk": JobsTable.partitionKey], values: [":w": .m(delivery.item)]))
            return true
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {
            return false
        }
    }

    /// One conditional UpdateItem: `status` in `from` (and `extraCondition`), then `status = to` and
    /// the `set` clauses; on a failed condition, `Conflict` with the record as it is.
    private func move(
        _ id: String, from: [JobStatus], to: JobStatus?, set: [String: DynamoDBItem], remove: [String] = [],
        names: [String: String] = [:], extraCondition: (String, [String: String], DynamoDBItem)? = nil
    ) async throws -> JobRecord {
        var clauses = set.keys.sorted()
        var values = set.values.reduce(into: DynamoDBItem()) { $0.merge($1) { first, _ in first } }
        var allNames = names.merging(["#s": "status", "#pk": JobsTable.partitionKey]) { first, _ in first }
        if let to {
            clauses.insert("#s = :to", at: 0)
            values[":to"] = .s(to.rawValue)
        }
        let fromNames = from.indices.map { ":from\($0)" }
        for (name, status) in zip(fromNames, from) { values[name] = .s(status.rawValue) }
        var condition = "attribute_exists(#pk) AND #s IN (\(fromNames.joined(separator: ", ")))"
        if let (extra, extraNames, extraValues) = extraCondition {
            condition += " AND \(extra)"
            allNames.merge(extraNames) { first, _ in first }
            values.merge(extraValues) { first, _ in first }
        }
        var update = "SET " + clauses.joined(separator: ", ")
        if !remove.isEmpty { update += " REMOVE " + remove.joined(separator: ", ") }
        do {
            let item = try await dynamo.updateItem(
                table: table, key: Self.key(id), update: update, condition: condition,
                attributes: ExpressionAttributes(names: allNames, values: values), returnValues: .allNew)
            guard let item else { throw CorruptRecord(attribute: "(no item returned)", item: [:]) }
            return try JobRecord(item: item)
        } catch let error as AWSServiceError where error.isConditionalCheckFailed {
            throw Conflict(current: try await get(id))
        }
    }
}

/// The opaque cursor of `GET /v1/jobs`: base64url of the last item's id and sort key. The owner is
/// not in it: the next page's key is rebuilt with the caller's own partition, so a cursor cannot
/// reach another owner's jobs.
public enum ListCursor {
    public struct InvalidCursor: Error, CustomStringConvertible {
        public var description: String { "the cursor is not one this API gave" }
    }

    static func encode(_ key: DynamoDBItem) -> String {
        let text = "\(key[JobsTable.indexSort]?.string ?? "")|\(key[JobsTable.partitionKey]?.string ?? "")"
        return Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String, partition: String) throws -> DynamoDBItem {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard cursor.count <= 512, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw InvalidCursor()
        }
        let parts = text.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, Timestamp.parse(parts[0]) != nil, parts[1].hasPrefix("job#") else { throw InvalidCursor() }
        return [JobsTable.partitionKey: .s(parts[1]), JobsTable.indexPartition: .s(partition), JobsTable.indexSort: .s(parts[0])]
    }
}
