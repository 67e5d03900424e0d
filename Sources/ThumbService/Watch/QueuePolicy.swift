import AWSKit
import Foundation

/// An SQS queue's access policy (the IAM policy language's JSON), edited one statement at a time;
/// every other statement and member is kept as it was read.
struct QueuePolicy {
    private var document: [String: Any]

    /// - Parameter text: the queue's `Policy` attribute; nil or empty for a queue without one.
    /// - Throws: `Settings.InvalidSetting` when the policy is not a JSON object.
    init(_ text: String?) throws {
        guard let text, !text.isEmpty else {
            document = ["Version": "2012-10-17", "Statement": [[String: Any]]()]
            return
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw Settings.InvalidSetting(key: "Policy", message: "the queue's policy is not a JSON object")
        }
        document = object
    }

    /// The statements (a policy may hold one as an object or several as a list).
    var statements: [[String: Any]] {
        get {
            if let one = document["Statement"] as? [String: Any] { return [one] }
            return document["Statement"] as? [[String: Any]] ?? []
        }
        set { document["Statement"] = newValue }
    }

    /// The policy as the `Policy` attribute takes it; empty when no statement is left (SQS then
    /// removes the policy).
    var text: String {
        guard !statements.isEmpty else { return "" }
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
