import AWSKit
import Foundation
import Imaging

/// How a `JobRecord` is laid out as a jobs-table item. Attribute names are the job document's
/// (snake_case); the key and index attributes are `JobsTable`'s.
extension JobRecord {
    var item: DynamoDBItem {
        var item: DynamoDBItem = [
            JobsTable.partitionKey: .s(JobsTable.jobKey(id)),
            JobsTable.indexPartition: .s(JobsTable.ownerPartition(owner)),
            JobsTable.indexSort: .s(Timestamp.format(createdAt)),
            "id": .s(id), "owner": .s(owner), "status": .s(status.rawValue),
            "created_at": .s(Timestamp.format(createdAt)),
            JobsTable.ttlAttribute: .int(Int(expiresAt.timeIntervalSince1970.rounded(.up))),
            "source": .m(source.item),
            "sizes": .l(sizes.map { .s($0.description) }),
            "outputs": .l(outputs.map { .m($0.item) }),
            "attempts": .int(attempts),
            "source_uploaded": .bool(sourceUploaded),
        ]
        if let startedAt { item["started_at"] = .s(Timestamp.format(startedAt)) }
        if let finishedAt { item["finished_at"] = .s(Timestamp.format(finishedAt)) }
        // `format` is the first (what records held before `formats`, and what an older reader shows);
        // `formats` only when there are several.
        if let formats, let first = formats.first { item["format"] = .s(first.rawValue) }
        if let formats, formats.count > 1 { item["formats"] = .l(formats.map { .s($0.rawValue) }) }
        if let placeholder {
            item["thumbhash"] = .s(placeholder.thumbHashBase64)
        }
        if let quality { item["quality"] = .int(quality) }
        if !timingsMs.isEmpty { item["timings_ms"] = .m(timingsMs.mapValues { .n(String($0)) }) }
        if let error { item["error"] = .m(["code": .s(error.code), "message": .s(error.message)]) }
        if let requestId { item["request_id"] = .s(requestId) }
        if let purgedAt { item["purged_at"] = .s(Timestamp.format(purgedAt)) }
        if priority != .normal { item["priority"] = .s(priority.rawValue) }
        if let callbackURL { item["callback_url"] = .s(callbackURL) }
        if let webhook { item["webhook"] = .m(webhook.item) }
        return item
    }

    /// Reads an item back.
    /// - Throws: `JobStore.CorruptRecord` when a required attribute is missing or malformed.
    init(item: DynamoDBItem) throws {
        func required<T>(_ name: String, _ read: (AttributeValue) -> T?) throws -> T {
            guard let value = item[name].flatMap(read) else { throw JobStore.CorruptRecord(attribute: name, item: item) }
            return value
        }
        func date(_ name: String) throws -> Date? {
            guard let text = item[name]?.string else { return nil }
            guard let date = Timestamp.parse(text) else { throw JobStore.CorruptRecord(attribute: name, item: item) }
            return date
        }
        let id = try required("id", \.string)
        let owner = try required("owner", \.string)
        let status = try required("status") { $0.string.flatMap(JobStatus.init(rawValue:)) }
        let created = try required("created_at") { $0.string.flatMap(Timestamp.parse) }
        let expires = try required(JobsTable.ttlAttribute) { $0.int }
        let sourceMap = try required("source", \.map)
        guard let source = Source(item: sourceMap) else { throw JobStore.CorruptRecord(attribute: "source", item: item) }
        let sizes = try (item["sizes"]?.list ?? []).map { value -> SizeRequest in
            guard let text = value.string, let size = try? SizeRequest.parseList(text, maxSide: Int.max).first else {
                throw JobStore.CorruptRecord(attribute: "sizes", item: item)
            }
            return size
        }
        self.init(
            id: id, owner: owner, status: status, createdAt: created, expiresAt: Date(timeIntervalSince1970: TimeInterval(expires)),
            source: source, sizes: sizes,
            formats: item["formats"]?.list.map { $0.compactMap { $0.string.flatMap(OutputFormat.init(rawValue:)) } }.flatMap { $0.isEmpty ? nil : $0 }
                ?? item["format"]?.string.flatMap(OutputFormat.init(rawValue:)).map { [$0] },
            quality: item["quality"]?.int, requestId: item["request_id"]?.string,
            sourceUploaded: item["source_uploaded"]?.boolValue ?? false,
            priority: item["priority"]?.string.flatMap(JobPriority.init(rawValue:)) ?? .normal, callbackURL: item["callback_url"]?.string)
        webhook = item["webhook"]?.map.flatMap(WebhookDelivery.init(item:))
        startedAt = try date("started_at")
        finishedAt = try date("finished_at")
        purgedAt = try date("purged_at")
        outputs = (item["outputs"]?.list ?? []).compactMap { $0.map.flatMap(Output.init(item:)) }
        timingsMs = (item["timings_ms"]?.map ?? [:]).compactMapValues { value in
            if case .n(let text) = value { Double(text) } else { nil }
        }
        if let error = item["error"]?.map, let code = error["code"]?.string {
            self.error = (code, error["message"]?.string ?? "")
        }
        attempts = item["attempts"]?.int ?? 0
        placeholder = item["thumbhash"]?.string.flatMap { Data(base64Encoded: $0) }.flatMap { Placeholder(validating: [UInt8]($0)) }
    }
}

extension JobRecord.Source {
    var item: DynamoDBItem {
        var item: DynamoDBItem = ["bucket": .s(bucket), "key": .s(key)]
        if let bytes { item["bytes"] = .int(bytes) }
        if let format { item["format"] = .s(format) }
        if let width { item["width"] = .int(width) }
        if let height { item["height"] = .int(height) }
        return item
    }

    init?(item: DynamoDBItem) {
        guard let bucket = item["bucket"]?.string, let key = item["key"]?.string else { return nil }
        self.init(
            bucket: bucket, key: key, bytes: item["bytes"]?.int, format: item["format"]?.string, width: item["width"]?.int,
            height: item["height"]?.int)
    }
}

extension JobRecord.Output {
    var item: DynamoDBItem {
        [
            "bucket": .s(bucket), "key": .s(key), "width": .int(width), "height": .int(height), "bytes": .int(bytes),
            "content_type": .s(contentType),
        ]
    }

    init?(item: DynamoDBItem) {
        guard let bucket = item["bucket"]?.string, let key = item["key"]?.string, let width = item["width"]?.int,
            let height = item["height"]?.int
        else { return nil }
        self.init(
            bucket: bucket, key: key, width: width, height: height, bytes: item["bytes"]?.int ?? 0,
            contentType: item["content_type"]?.string ?? "application/octet-stream")
    }
}

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-30T12:00:00.123Z`): fixed width, so the
/// strings sort as the instants do (the owner index sorts on them).
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// Reads RFC 3339 with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text))
            ?? (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text))
    }
}
