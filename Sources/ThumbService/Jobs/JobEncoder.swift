import AWSKit
import Foundation
import Imaging

/// Writes job messages: the assignment's plain `{"bucket", "key", "width", "height"}` when that says
/// everything, the extended form otherwise. Members in sorted order, slashes unescaped.
public enum JobEncoder {
    public static func encode(_ job: Job) -> String {
        var object: [String: JSONValue] = ["bucket": .string(job.bucket), "key": .string(job.key)]
        let plain = job.sizes.count == 1 && job.sizes[0].mode == .fit && job.outputBucket == nil && job.keyTemplate == nil
            && job.formats == nil && job.quality == nil && job.id == nil && job.recordId == nil && job.requestId == nil
        if plain {
            if let width = job.sizes[0].width { object["width"] = .int(width) }
            if let height = job.sizes[0].height { object["height"] = .int(height) }
        } else {
            object["sizes"] = .array(
                job.sizes.map { size in
                    var entry: [String: JSONValue] = ["mode": .string(size.mode.rawValue)]
                    if let width = size.width { entry["width"] = .int(width) }
                    if let height = size.height { entry["height"] = .int(height) }
                    return .object(entry)
                })
            if let id = job.id { object["id"] = .string(id) }
            if let recordId = job.recordId { object["job_id"] = .string(recordId) }
            if let requestId = job.requestId { object["request_id"] = .string(requestId) }
            if let bucket = job.outputBucket { object["output_bucket"] = .string(bucket) }
            if let template = job.keyTemplate { object["output_key_template"] = .string(template) }
            // One format as `format`, which every thumbd release reads; `formats` only when it takes more.
            if let formats = job.formats, formats.count == 1 { object["format"] = .string(formats[0].rawValue) }
            if let formats = job.formats, formats.count > 1 { object["formats"] = .array(formats.map { .string($0.rawValue) }) }
            if let quality = job.quality { object["quality"] = .int(quality) }
        }
        return String(decoding: JSONValue.object(object).data(), as: UTF8.self)
    }

}
