import AWSKit
import Foundation

/// Standard Webhooks signatures (the specification's "Signature scheme", standardwebhooks.com):
/// the signed content is `<webhook-id>.<webhook-timestamp>.<body>`, the signature the base64 of its
/// HMAC-SHA256 under the secret's decoded key, sent as `v1,<signature>` in `webhook-signature`
/// (several, space-separated, while a rotated-out secret still signs).
enum WebhookSignature {
    /// - Parameters:
    ///   - id: the `webhook-id` (stable across retries of one event).
    ///   - timestamp: the `webhook-timestamp`, whole seconds since 1970.
    ///   - body: the exact bytes sent.
    ///   - keys: the HMAC keys (the decoded secrets), newest first.
    /// - Returns: the `webhook-signature` header's value.
    static func header(id: String, timestamp: Int, body: Data, keys: [[UInt8]]) -> String {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return keys.map { "v1," + Data(Hashing.hmacSHA256(key: $0, content)).base64EncodedString() }.joined(separator: " ")
    }
}
