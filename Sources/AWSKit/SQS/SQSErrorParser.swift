import Foundation

/// Reads SQS JSON error answers: `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "..."}`.
/// SQS also sends the older query-protocol code in `x-amzn-query-error` (`AWS.SimpleQueueService.NonExistentQueue;Sender`);
/// the JSON type is the code the current API documents.
public enum SQSErrorParser {
    @Sendable public static func parse(_ response: HTTPResponse) -> (code: String, message: String)? {
        struct Body: Decodable {
            let __type: String?
            let message: String?
            let Message: String?
        }
        if let body = try? JSONDecoder().decode(Body.self, from: response.body), let type = body.__type {
            let code = type.split(separator: "#").last.map(String.init) ?? type
            return (code, body.message ?? body.Message ?? "")
        }
        if let (code, message, _) = XMLTree.awsError(in: response.body) {
            return (code, message)
        }
        if let header = response.headers["x-amzn-query-error"], let code = header.split(separator: ";").first {
            return (String(code), "")
        }
        return nil
    }
}
