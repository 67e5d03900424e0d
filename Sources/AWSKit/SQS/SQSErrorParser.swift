import Foundation

/// Reads SQS JSON error answers: `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "..."}`.
/// SQS also sends the older query-protocol code in `x-amzn-query-error` (`AWS.SimpleQueueService.NonExistentQueue;Sender`);
/// the JSON type is the code the current API documents.
public enum SQSErrorParser {
    @Sendable public static func parse(_ response: HTTPResponse) -> (code: String, message: String)? {
        if let parsed = JSONErrorParser.parse(response) { return parsed }
        if let (code, message, _) = XMLTree.awsError(in: response.body) {
            return (code, message)
        }
        if let header = response.headers["x-amzn-query-error"], let code = header.split(separator: ";").first {
            return (String(code), "")
        }
        return nil
    }
}
