import Foundation

/// The AWS JSON 1.0 protocol (SQS, DynamoDB): `POST /` with `Content-Type: application/x-amz-json-1.0`
/// and `X-Amz-Target: <prefix>.<Operation>`, a JSON body in and out, SigV4 with the standard rules.
/// Decided here once for every JSON-protocol client.
struct JSONProtocol: Sendable {
    let client: AWSClient
    let endpoint: Endpoint
    /// The service's name in errors and logs (`SQS`, `DynamoDB`).
    let service: String
    let signingName: String
    /// `AmazonSQS`, `DynamoDB_20120810`.
    let targetPrefix: String
    let parseError: @Sendable (HTTPResponse) -> (code: String, message: String)?

    /// Sends one operation and decodes its answer (an empty body, as some emulators answer, is `{}`).
    /// - Throws: `AWSServiceError` (the service's error, or `InvalidResponse` for an answer that does
    ///   not decode), `HTTPError`, `CredentialsError`.
    func call<Output: Decodable>(
        _ operation: String, _ body: [String: JSONValue], resource: String?, as: Output.Type, timeout: TimeInterval = 30
    ) async throws -> Output {
        let response = try await send(operation, body, resource: resource, timeout: timeout)
        let data = response.body.isEmpty ? Data("{}".utf8) : response.body
        do {
            return try JSONDecoder().decode(Output.self, from: data)
        } catch {
            throw AWSServiceError(
                service: service, operation: operation, status: response.status, code: "InvalidResponse",
                message: "the response is not the JSON \(service) documents: \(error)", requestId: response.headers["x-amzn-RequestId"],
                resource: resource)
        }
    }

    /// Sends one operation whose answer carries nothing the caller reads.
    func send(_ operation: String, _ body: [String: JSONValue], resource: String?, timeout: TimeInterval = 30) async throws
        -> HTTPResponse
    {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-amz-json-1.0")
        headers.add(name: "X-Amz-Target", value: "\(targetPrefix).\(operation)")
        let request = HTTPRequest(
            method: "POST", endpoint: endpoint, path: endpoint.basePath.isEmpty ? "/" : endpoint.basePath + "/",
            headers: headers, body: JSONValue.object(body).data(), timeout: timeout)
        let info = AWSClient.Operation(
            service: service, signingName: signingName, name: operation, rules: .standard, resource: resource)
        return try await client.send(request, operation: info, parseError: parseError)
    }
}
