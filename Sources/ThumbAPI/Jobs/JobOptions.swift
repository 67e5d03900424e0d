import Foundation
import Imaging
import ThumbService

/// What a job request asks for besides its image, from form fields, the query, or a JSON body;
/// checked by the same rules as a queue message (`SizeRequest`, `JobMessageParser`), so a request
/// the API takes is one thumbd takes.
struct JobOptions: Sendable, Equatable {
    var sizes: [SizeRequest]
    var format: OutputFormat?
    var quality: Int?

    /// From text values: `sizes` (`400x400,100x100:fill`), `format` (`jpeg`, `png`), `quality` (1 to 100).
    /// - Throws: `JobError` `invalid_size`, `too_many_sizes`, `invalid_field`.
    static func parse(_ values: [String: String], settings: Settings) throws -> JobOptions {
        var options = JobOptions(sizes: settings.sizes)
        if let sizes = values["sizes"], !sizes.trimmingCharacters(in: .whitespaces).isEmpty {
            options.sizes = try SizeRequest.parseList(sizes, maxSide: settings.limits.maxOutputSide)
        }
        if let format = values["format"], !format.isEmpty {
            guard let parsed = OutputFormat(rawValue: format.lowercased()) else {
                throw JobError(.invalidField, "format must be jpeg or png, not \"\(format.prefix(40))\"")
            }
            options.format = parsed
        }
        if let quality = values["quality"], !quality.isEmpty {
            guard let value = Int(quality), (1...100).contains(value) else {
                throw JobError(.invalidField, "quality must be a whole number from 1 to 100, not \"\(quality.prefix(40))\"")
            }
            options.quality = value
        }
        return options
    }

    /// A JSON job for an object already in S3: `{"source": {"bucket", "key"}, "sizes": [{"width",
    /// "height", "mode"}], "format", "quality"}`, checked by the message parser.
    /// - Returns: the source and the options.
    /// - Throws: `JobError` (`bad_json`, `missing_field`, `invalid_field`, `invalid_bucket`,
    ///   `invalid_key`, `invalid_size`...).
    static func parseJSON(_ data: Data, settings: Settings) throws -> (bucket: String, key: String, options: JobOptions) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw JobError(.badJSON, "the body is not a JSON object")
        }
        let allowed: Set<String> = ["source", "sizes", "format", "quality", "callback_url"]
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw JobError(.invalidField, "unknown member \"\(unknown.prefix(40))\"")
        }
        guard let source = object["source"] as? [String: Any] else {
            throw JobError(.missingField, "the body has no \"source\": {\"bucket\", \"key\"} object")
        }
        var message: [String: Any] = ["bucket": source["bucket"] ?? NSNull(), "key": source["key"] ?? NSNull()]
        for member in ["sizes", "format", "quality"] { if let value = object[member] { message[member] = value } }
        guard JSONSerialization.isValidJSONObject(message),
            let encoded = try? JSONSerialization.data(withJSONObject: message)
        else { throw JobError(.badJSON, "the body cannot be read") }
        let parser = JobMessageParser(defaultSizes: settings.sizes, maxSide: settings.limits.maxOutputSide)
        guard case .jobs(let jobs) = try parser.parse(String(decoding: encoded, as: UTF8.self)), let job = jobs.first else {
            throw JobError(.unsupportedMessage, "the body is not a job request")
        }
        return (job.bucket, job.key, JobOptions(sizes: job.sizes, format: job.format, quality: job.quality))
    }
}
