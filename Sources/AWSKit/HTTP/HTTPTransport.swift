/// Sends one HTTP request and returns the whole response. The seam between AWSKit and the network:
/// `CurlTransport` is the real one; tests and fault injection wrap it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
