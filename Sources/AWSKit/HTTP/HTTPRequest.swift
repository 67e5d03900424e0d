import Foundation

/// One HTTP request as it goes on the wire. `path` and `query` are already percent-encoded
/// (the wire form); the signer canonicalises exactly what is sent.
public struct HTTPRequest: Sendable {
    public var method: String
    public var endpoint: Endpoint
    /// The encoded path, starting with `/`, including any base path of the endpoint.
    public var path: String
    /// The encoded query string without the leading `?`, empty when there is none.
    public var query: String
    public var headers: HTTPHeaders
    public var body: Data
    /// A file sent as the body instead of `body`, read as it is sent (never loaded whole): bytes
    /// `0..<length` of an open descriptor, read with `pread(2)`, so the descriptor's own offset is
    /// neither used nor moved. Each attempt reads it from the start; the caller keeps it open until
    /// the request is done.
    public var bodyFile: (descriptor: Int32, length: Int)?
    /// Overall time limit for this request, connection and body included.
    public var timeout: TimeInterval
    /// Largest response body accepted; a larger one fails with `HTTPError.responseTooLarge`, unless
    /// `truncateResponse`.
    public var maxResponseBytes: Int
    /// Keep the first `maxResponseBytes` of the body and stop reading there (no error).
    public var truncateResponse = false
    /// Whether the proxy variables of the environment apply (libcurl reads `https_proxy`...). False:
    /// no proxy at all.
    public var useEnvironmentProxy = true
    /// Decides each address before a connection to it is made (after DNS, so a name resolving to a
    /// refused address is refused): the address's bytes in network order, 4 for IPv4, 16 for IPv6.
    /// When every address tried was refused, the request fails with `HTTPError.Kind.addressRefused`.
    /// nil: every address.
    public var allowAddress: (@Sendable ([UInt8]) -> Bool)?

    public init(
        method: String, endpoint: Endpoint, path: String = "/", query: String = "", headers: HTTPHeaders = [:],
        body: Data = Data(), timeout: TimeInterval = 30, maxResponseBytes: Int = 16 << 20
    ) {
        self.method = method
        self.endpoint = endpoint
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// The full URL, e.g. `https://bucket.s3.amazonaws.com/key?x=1`.
    public var url: String {
        endpoint.origin + path + (query.isEmpty ? "" : "?" + query)
    }
}

/// What came back: status, headers and the whole (size-capped) body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data

    public init(status: Int, headers: HTTPHeaders = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
