import Foundation
import Imaging

/// Writes job messages: the assignment's plain `{"bucket", "key", "width", "height"}` when that says
/// everything, the extended form otherwise.
public enum JobEncoder {
    public static func encode(_ job: Job) -> String {
        var object: [String: Any] = ["bucket": job.bucket, "key": job.key]
        let plain = job.sizes.count == 1 && job.sizes[0].mode == .fit && job.outputBucket == nil && job.keyTemplate == nil
            && job.format == nil && job.quality == nil && job.id == nil && job.recordId == nil && job.requestId == nil
        if plain {
            if let width = job.sizes[0].width { object["width"] = width }
            if let height = job.sizes[0].height { object["height"] = height }
        } else {
            object["sizes"] = job.sizes.map { size -> [String: Any] in
                var entry: [String: Any] = ["mode": size.mode.rawValue]
                if let width = size.width { entry["width"] = width }
                if let height = size.height { entry["height"] = height }
                return entry
            }
            if let id = job.id { object["id"] = id }
            if let recordId = job.recordId { object["job_id"] = recordId }
            if let requestId = job.requestId { object["request_id"] = requestId }
            if let bucket = job.outputBucket { object["output_bucket"] = bucket }
            if let template = job.keyTemplate { object["output_key_template"] = template }
            if let format = job.format { object["format"] = format.rawValue }
            if let quality = job.quality { object["quality"] = quality }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

}
