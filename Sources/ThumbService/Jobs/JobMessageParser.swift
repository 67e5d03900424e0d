import Foundation
import Imaging

/// Reads the message formats thumbd accepts (the README documents them):
/// 1. `{"bucket", "key", "width", "height"}`, the original assignment's;
/// 2. `{"bucket", "key", "sizes": [{"width", "height", "mode"?}], "output_bucket"?, "output_key_template"?,
///    "format"? or "formats"?, "quality"?, "id"?, "job_id"?, "request_id"?}` (`job_id` names a job
///    record of thumbd-api's; `formats` makes every size in each format, at most `Job.maxOutputs` in all);
/// 3. S3 event notifications (`Records[]`; `ObjectCreated:*` makes thumbnails, `ObjectRemoved:*`
///    from an entry of `thumbctl watch --removals` (`configurationId` `thumbd-...`) removes them;
///    keys are form-URL-encoded);
/// 4. S3 events as EventBridge delivers them (`"source": "aws.s3"`, `"detail-type"` `Object Created`
///    or `Object Deleted`, `detail.bucket.name`, `detail.object.key`; keys are NOT URL-encoded);
/// 5. any of these inside an SNS notification (`"Type": "Notification"`, `"Message"` a string).
/// Anything else is a `JobError` with a precise code, for the dead-letter queue.
public struct JobMessageParser: Sendable {
    public var defaultSizes: [SizeRequest]
    public var maxSide: Int

    /// Larger messages are refused before parsing (SQS allows 1 MiB; a job needs a few hundred bytes).
    public static let maxBytes = 256 << 10
    /// Deeper JSON is refused before parsing: no legitimate message nests more than a few levels.
    public static let maxDepth = 16

    public init(defaultSizes: [SizeRequest], maxSide: Int = 8192) {
        self.defaultSizes = defaultSizes
        self.maxSide = maxSide
    }

    /// Reads one message body (UTF-8 JSON, at most `maxBytes`, nesting at most `maxDepth`).
    /// - Returns: the jobs it asks for, or why it is to be deleted quietly.
    /// - Throws: `JobError` with a message code (`bad_json`, `unsupported_message`, `missing_field`,
    ///   `invalid_field`, `invalid_size`, `too_many_sizes`, `invalid_bucket`, `invalid_key`,
    ///   `message_too_large`); never anything else.
    public func parse(_ body: String) throws -> JobMessage {
        guard body.utf8.count <= Self.maxBytes else {
            throw JobError(.messageTooLarge, "the message is \(body.utf8.count) bytes; at most \(Self.maxBytes)")
        }
        guard Self.depth(body) <= Self.maxDepth else {
            throw JobError(.badJSON, "the JSON nests deeper than \(Self.maxDepth) levels")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) else {
            throw JobError(.badJSON, "the message is not JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw JobError(.unsupportedMessage, "the message is JSON but not an object")
        }
        return try parse(dictionary, envelope: true)
    }

    private func parse(_ object: [String: Any], envelope: Bool) throws -> JobMessage {
        if envelope, object["Type"] as? String == "Notification", let inner = object["Message"] {
            guard let text = inner as? String else {
                throw JobError(.invalidField, "the SNS notification's Message is not a string")
            }
            // The depth check comes first: it is what keeps a hostile nesting away from the parser.
            guard Self.depth(text) <= Self.maxDepth else {
                throw JobError(.badJSON, "the SNS notification's Message nests deeper than \(Self.maxDepth) levels")
            }
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let innerObject = parsed as? [String: Any]
            else {
                throw JobError(.badJSON, "the SNS notification's Message is not a JSON object")
            }
            return try parse(innerObject, envelope: false)
        }
        if object["Event"] as? String == "s3:TestEvent" {
            return .ignore(reason: "s3:TestEvent")
        }
        if let records = object["Records"] {
            return try parseS3Event(records)
        }
        if object["source"] as? String == "aws.s3", let detailType = object["detail-type"] as? String {
            return try parseEventBridge(detailType: detailType, detail: object["detail"])
        }
        return .jobs([try parseJob(object)])
    }

    private func parseS3Event(_ value: Any) throws -> JobMessage {
        guard let records = value as? [[String: Any]], !records.isEmpty else {
            throw JobError(.invalidField, "Records must be a non-empty list of objects")
        }
        guard records.count <= 100 else { throw JobError(.invalidField, "\(records.count) records; at most 100") }
        var jobs: [Job] = []
        for record in records {
            guard let name = record["eventName"] as? String else {
                throw JobError(.missingField, "an S3 event record has no eventName")
            }
            guard let s3 = record["s3"] as? [String: Any] else {
                throw JobError(.missingField, "an S3 event record has no s3.bucket.name or s3.object.key")
            }
            // Removals only from the entries `thumbctl watch --removals` makes (their ids start
            // `thumbd-`): a configuration of the user's that already sent them here asked for nothing.
            let removal = name.hasPrefix("ObjectRemoved:") && (s3["configurationId"] as? String)?.hasPrefix("thumbd-") == true
            guard name.hasPrefix("ObjectCreated:") || removal else { continue }
            guard let bucket = (s3["bucket"] as? [String: Any])?["name"] as? String,
                let rawKey = (s3["object"] as? [String: Any])?["key"] as? String
            else {
                throw JobError(.missingField, "an S3 event record has no s3.bucket.name or s3.object.key")
            }
            // S3 event keys are form-URL-encoded: `+` is a space.
            guard let key = rawKey.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                throw JobError(.invalidKey, "the event's key \"\(rawKey.prefix(80))\" is not percent-encoded UTF-8")
            }
            jobs.append(try eventJob(bucket: bucket, key: key, removal: removal))
        }
        return jobs.isEmpty ? .ignore(reason: "no ObjectCreated or ObjectRemoved records") : .jobs(jobs)
    }

    /// An S3 event as an EventBridge rule delivers it ("Amazon S3 Event Notifications with
    /// EventBridge" in the S3 user guide): the key as it is, not URL-encoded.
    private func parseEventBridge(detailType: String, detail: Any?) throws -> JobMessage {
        let removal = detailType == "Object Deleted"
        guard detailType == "Object Created" || removal else { return .ignore(reason: "EventBridge \(detailType.prefix(40))") }
        guard let detail = detail as? [String: Any], let bucket = (detail["bucket"] as? [String: Any])?["name"] as? String,
            let key = (detail["object"] as? [String: Any])?["key"] as? String
        else {
            throw JobError(.missingField, "an EventBridge S3 event has no detail.bucket.name or detail.object.key")
        }
        return .jobs([try eventJob(bucket: bucket, key: key, removal: removal)])
    }

    /// The job an S3 event asks for: the default sizes of the object, made or removed.
    private func eventJob(bucket: String, key: String, removal: Bool) throws -> Job {
        var job = Job(bucket: try Self.bucket(bucket), key: try Self.key(key), sizes: defaultSizes)
        job.fromS3Event = true
        job.removal = removal
        return job
    }

    private func parseJob(_ object: [String: Any]) throws -> Job {
        guard object["bucket"] != nil || object["key"] != nil else {
            throw JobError(.unsupportedMessage, "not a thumbd job, S3 event or SNS notification (no bucket or key)")
        }
        let bucket = try Self.bucket(try string(object, "bucket", required: true)!)
        let key = try Self.key(try string(object, "key", required: true)!)
        var sizes: [SizeRequest]
        if let list = object["sizes"] {
            guard let entries = list as? [Any], !entries.isEmpty else {
                throw JobError(.invalidField, "sizes must be a non-empty list")
            }
            guard entries.count <= SizeRequest.maxPerMessage else {
                throw JobError(.tooManySizes, "\(entries.count) sizes; at most \(SizeRequest.maxPerMessage)")
            }
            sizes = try entries.map { entry in
                guard let size = entry as? [String: Any] else { throw JobError(.invalidField, "each size must be an object") }
                let mode = try string(size, "mode", required: false).map(SizeRequest.parseMode) ?? .fit
                return try SizeRequest.validated(width: try int(size, "width"), height: try int(size, "height"), mode: mode, maxSide: maxSide)
            }
        } else if object["width"] != nil || object["height"] != nil {
            let mode = try string(object, "mode", required: false).map(SizeRequest.parseMode) ?? .fit
            sizes = [try SizeRequest.validated(width: try int(object, "width"), height: try int(object, "height"), mode: mode, maxSide: maxSide)]
        } else {
            sizes = defaultSizes
        }
        var job = Job(bucket: bucket, key: key, sizes: sizes)
        job.id = try string(object, "id", required: false)
        job.recordId = try string(object, "job_id", required: false).map(Self.recordId)
        // Only a plain token is kept: it is written into log lines (RequestID).
        job.requestId = try string(object, "request_id", required: false).flatMap { RequestID.isPlainToken($0) ? $0 : nil }
        job.outputBucket = try string(object, "output_bucket", required: false).map(Self.bucket)
        if let template = try string(object, "output_key_template", required: false) {
            do {
                try KeyTemplate.validate(template)
            } catch let error as Settings.InvalidSetting {
                throw JobError(.invalidField, "output_key_template: \(error.message)")
            }
            job.keyTemplate = template
        }
        if let format = try string(object, "format", required: false) {
            guard object["formats"] == nil || object["formats"] is NSNull else {
                throw JobError(.invalidField, "give \"format\" or \"formats\", not both")
            }
            job.formats = [try OutputFormat.parse(format)]
        }
        if let formats = object["formats"], !(formats is NSNull) {
            guard let names = formats as? [Any], !names.isEmpty, names.allSatisfy({ $0 is String }) else {
                throw JobError(.invalidField, "\"formats\" must be a non-empty array of format names")
            }
            job.formats = try OutputFormat.parseList(names.map { $0 as! String })
        }
        try Job.checkOutputCount(sizes: job.sizes.count, formats: job.formats?.count ?? 1)
        if let template = job.keyTemplate, (job.formats?.count ?? 1) > 1, !template.contains("{ext}") {
            throw JobError(.invalidField, "formats needs {ext} in output_key_template: each format is written to a key of its own")
        }
        if let quality = try int(object, "quality") {
            guard (1...100).contains(quality) else { throw JobError(.invalidField, "quality must be 1 to 100, not \(quality)") }
            job.quality = quality
        }
        return job
    }

    private func string(_ object: [String: Any], _ field: String, required: Bool) throws -> String? {
        guard let value = object[field], !(value is NSNull) else {
            if required { throw JobError(.missingField, "the message has no \"\(field)\"") }
            return nil
        }
        guard let text = value as? String else { throw JobError(.invalidField, "\"\(field)\" must be a string") }
        return text
    }

    private func int(_ object: [String: Any], _ field: String) throws -> Int? {
        guard let value = object[field], !(value is NSNull) else { return nil }
        // JSONSerialization gives NSNumber for numbers and booleans alike (and 0 and 1 bridge to Bool):
        // a JSON boolean is the NSNumber whose type is C's char. Fractions are refused too.
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c", let integer = Int(exactly: number.doubleValue)
        else {
            throw JobError(.invalidField, "\"\(field)\" must be a whole number")
        }
        return integer
    }

    /// Job record ids (`JobRecord.newID`): 1 to 64 of letters, digits, `-` and `_`.
    static func recordId(_ id: String) throws -> String {
        let valid = (1...64).contains(id.utf8.count) && id.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_")
        }
        guard valid else { throw JobError(.invalidField, "job_id must be 1 to 64 letters, digits, - or _") }
        return id
    }

    /// S3 bucket names: 3 to 63 of lower-case letters, digits, `.`, `-` (and `_` in old us-east-1 buckets).
    static func bucket(_ name: String) throws -> String {
        let valid = (3...63).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard valid else { throw JobError(.invalidBucket, "\"\(name.prefix(80))\" is not an S3 bucket name") }
        return name
    }

    /// Keys: 1 to 1024 bytes of UTF-8, no control characters, no `.` or `..` path segments (an output
    /// key built from one could land outside the source's folder).
    static func key(_ key: String) throws -> String {
        guard (1...1024).contains(key.utf8.count) else {
            throw JobError(.invalidKey, "an S3 key is 1 to 1024 bytes, not \(key.utf8.count)")
        }
        if key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw JobError(.invalidKey, "the key contains control characters")
        }
        if key.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." }) {
            throw JobError(.invalidKey, "the key has a . or .. path segment")
        }
        return key
    }

    /// The deepest nesting of objects and arrays, outside strings.
    static func depth(_ text: String) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in text.utf8 {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}

extension OutputFormat {
    /// The formats a message, a setting or an API request may name, for messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// A format by its name (`jpeg`, `png`, `webp`, `webp-lossless`, `avif`), any case; `jpg` is
    /// JPEG's common alias.
    /// - Throws: `JobError` `invalid_field` naming the formats there are.
    public static func parse(_ name: String) throws -> OutputFormat {
        let lowered = name.lowercased()
        guard let format = OutputFormat(rawValue: lowered == "jpg" ? "jpeg" : lowered) else {
            throw JobError(.invalidField, "format must be one of \(names), not \"\(name)\"")
        }
        return format
    }

    /// A `formats` list: at least one name, each parsed, at most one per file extension (two formats
    /// with one extension, `webp` and `webp-lossless`, would write the same keys), none twice.
    /// - Throws: `JobError` `invalid_field`.
    public static func parseList(_ names: [String]) throws -> [OutputFormat] {
        guard !names.isEmpty else { throw JobError(.invalidField, "formats names no format") }
        let formats = try names.map(parse)
        guard formats.count <= allCases.count else { throw JobError(.invalidField, "formats names \(formats.count) formats; there are \(allCases.count)") }
        var extensions: Set<String> = []
        for format in formats where !extensions.insert(format.fileExtension).inserted {
            throw JobError(
                .invalidField, "formats has two formats written as .\(format.fileExtension); each output needs a key of its own")
        }
        return formats
    }
}
