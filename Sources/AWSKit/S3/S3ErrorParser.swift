/// Reads S3's XML error bodies: `<Error><Code>NoSuchKey</Code><Message>…</Message>…</Error>`.
/// HEAD answers have no body; the status then stands for the code (`NotFound`, `Forbidden`).
public enum S3ErrorParser {
    @Sendable public static func parse(_ response: HTTPResponse) -> (code: String, message: String)? {
        guard let (code, text, bodyRegion) = XMLTree.awsError(in: response.body) else { return nil }
        var message = text
        // A bucket in another region: say which, since that is the fix.
        if let region = response.headers["x-amz-bucket-region"] ?? bodyRegion, !message.contains(region) {
            message += message.isEmpty ? "the bucket is in \(region)" : " (the bucket is in \(region))"
        }
        return (code, message)
    }
}
