import Foundation

/// Reads the error answers of the AWS JSON protocols (SQS, DynamoDB):
/// `{"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "message": "..."}`.
/// The code is the part after `#`; the message member is spelled `message` or `Message`.
public enum JSONErrorParser {
    @Sendable public static func parse(_ response: HTTPResponse) -> (code: String, message: String)? {
        struct Body: Decodable {
            let __type: String?
            let message: String?
            let Message: String?
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: response.body), let type = body.__type else { return nil }
        let code = type.split(separator: "#").last.map(String.init) ?? type
        return (code, body.message ?? body.Message ?? "")
    }
}
