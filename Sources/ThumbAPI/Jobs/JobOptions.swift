import Foundation
import Imaging
import ThumbService

/// What a job request asks for besides its image, from form fields, the query, or a JSON body;
/// checked by the same rules as a queue message (`SizeRequest`, `JobMessageParser`), so a request
/// the API takes is one thumbd takes.
struct JobOptions: Sendable, Equatable {
    var sizes: [SizeRequest]
    /// Every size is made in each (`Job.formats`); nil for the worker's default.
    var formats: [OutputFormat]?
    var quality: Int?
    var priority: JobPriority = .normal
    /// Checked by `CallbackURLRule`.
    var callbackURL: String?

    /// Where a callback URL may go; nil when this server sends no webhooks (no `THUMBD_EVENTS_QUEUE`).
    typealias Callbacks = CallbackURLRule?

    /// From text values: `sizes` (`400x400,100x100:fill`), `format` (`jpeg`, `png`, `webp`,
    /// `webp-lossless`, `avif`), or `formats` (several, comma-separated: `avif,webp,jpeg`), `quality` (1
    /// to 100), `priority` (`high`, `normal`, `low`), `callback_url`.
    /// - Throws: `JobError` `invalid_size`, `too_many_sizes`, `invalid_field`; `Problem` `invalid_callback_url`.
    static func parse(_ values: [String: String], settings: Settings, callbacks: Callbacks) throws -> JobOptions {
        var options = JobOptions(sizes: settings.sizes)
        if let sizes = values["sizes"], !sizes.trimmingCharacters(in: .whitespaces).isEmpty {
            options.sizes = try SizeRequest.parseList(sizes, maxSide: settings.limits.maxOutputSide)
        }
        let format = values["format"].flatMap { $0.isEmpty ? nil : $0 }
        let formats = values["formats"].flatMap { $0.isEmpty ? nil : $0 }
        if format != nil && formats != nil { throw JobError(.invalidField, "give format or formats, not both") }
        if let format { options.formats = [try OutputFormat.parse(String(format.prefix(40)))] }
        if let formats {
            guard formats.utf8.count <= 200 else { throw JobError(.invalidField, "formats is over 200 characters") }
            options.formats = try OutputFormat.parseList(formats.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        try Job.checkOutputCount(sizes: options.sizes.count, formats: options.formats?.count ?? 1)
        if let quality = values["quality"], !quality.isEmpty {
            guard let value = Int(quality), (1...100).contains(value) else {
                throw JobError(.invalidField, "quality must be a whole number from 1 to 100, not \"\(quality.prefix(40))\"")
            }
            options.quality = value
        }
        if let priority = values["priority"], !priority.isEmpty { options.priority = try JobPriority.parse(priority) }
        if let callback = values["callback_url"], !callback.isEmpty { options.callbackURL = try checkCallback(callback, callbacks) }
        return options
    }

    /// - Throws: `Problem` `invalid_callback_url` (also when webhooks are off).
    static func checkCallback(_ url: String, _ callbacks: Callbacks) throws -> String {
        guard let callbacks else {
            throw Problem(.invalidCallbackURL, "this server sends no webhooks (it has no events queue, THUMBD_EVENTS_QUEUE)")
        }
        return try callbacks.check(url)
    }

    /// Where a JSON job's image is: an object in S3, or a direct upload (`POST /v1/uploads`).
    enum JSONSource: Sendable, Equatable {
        case object(bucket: String, key: String)
        case upload(id: String)
    }

    /// A JSON job: `{"source": {"bucket", "key"}}` for an object already in S3, or `{"upload_id"}`
    /// for a direct upload; with `"sizes": [{"width", "height", "mode"}]`, `"format"` or `"formats"`, `"quality"`,
    /// checked by the message parser, and `"priority"`, `"callback_url"`.
    /// - Returns: the source and the options.
    /// - Throws: `JobError` (`bad_json`, `missing_field`, `invalid_field`, `invalid_bucket`,
    ///   `invalid_key`, `invalid_size`...); `Problem` `invalid_callback_url`.
    static func parseJSON(_ data: Data, settings: Settings, callbacks: Callbacks) throws -> (source: JSONSource, options: JobOptions) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw JobError(.badJSON, "the body is not a JSON object")
        }
        let allowed: Set<String> = ["source", "upload_id", "sizes", "format", "formats", "quality", "callback_url", "priority"]
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw JobError(.invalidField, "unknown member \"\(unknown.prefix(40))\"")
        }
        let uploadID = object["upload_id"]
        if object["source"] != nil && uploadID != nil {
            throw JobError(.invalidField, "give \"source\" or \"upload_id\", not both")
        }
        guard object["source"] != nil || uploadID != nil else {
            throw JobError(
                .missingField, "the body needs \"source\": {\"bucket\", \"key\"} or \"upload_id\" (from POST /v1/uploads)")
        }
        if let uploadID, !(uploadID is String) {
            throw JobError(.invalidField, "upload_id must be a string")
        }
        guard uploadID != nil || object["source"] is [String: Any] else {
            throw JobError(.invalidField, "source must be an object {\"bucket\", \"key\"}")
        }
        let source = object["source"] as? [String: Any] ?? [:]
        // A direct upload's options are checked by the same parser, on a stand-in object (its key is
        // known only once the upload is looked up).
        var message: [String: Any] =
            uploadID == nil ? ["bucket": source["bucket"] ?? NSNull(), "key": source["key"] ?? NSNull()] : ["bucket": "upload", "key": "upload"]
        for member in ["sizes", "format", "formats", "quality"] { if let value = object[member] { message[member] = value } }
        guard JSONSerialization.isValidJSONObject(message),
            let encoded = try? JSONSerialization.data(withJSONObject: message)
        else { throw JobError(.badJSON, "the body cannot be read") }
        let parser = JobMessageParser(defaultSizes: settings.sizes, maxSide: settings.limits.maxOutputSide)
        guard case .jobs(let jobs) = try parser.parse(String(decoding: encoded, as: UTF8.self)), let job = jobs.first else {
            throw JobError(.unsupportedMessage, "the body is not a job request")
        }
        var options = JobOptions(sizes: job.sizes, formats: job.formats, quality: job.quality)
        for member in ["priority", "callback_url"] where object[member] != nil && !(object[member] is String) {
            throw JobError(.invalidField, "\(member) must be a string")
        }
        if let priority = object["priority"] as? String { options.priority = try JobPriority.parse(priority) }
        if let callback = object["callback_url"] as? String { options.callbackURL = try checkCallback(callback, callbacks) }
        if let id = uploadID as? String { return (.upload(id: id), options) }
        return (.object(bucket: job.bucket, key: job.key), options)
    }
}
