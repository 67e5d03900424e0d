/// A request that got no usable HTTP response: the connection, TLS, a timeout or a size cap failed.
/// (An HTTP error status is not an `HTTPError`: it is a response, parsed by the service client.)
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// DNS, refused or reset connection, broken pipe: nothing or not all of the answer arrived.
        case connection
        /// The connect or total time limit passed.
        case timeout
        /// Certificate or handshake failure; retrying will not help.
        case tls
        /// The response body was larger than the request allowed.
        case responseTooLarge
        /// The request could not be built or sent (bad URL, out of memory).
        case invalidRequest
        /// The calling task was cancelled; the transfer was abandoned.
        case cancelled
        /// Every address the host resolved to was refused by `HTTPRequest.allowAddress`; nothing was sent.
        case addressRefused
    }

    public let kind: Kind
    public let message: String
    /// Method and URL without the query (a presigned query holds a signature).
    public let target: String

    public init(kind: Kind, message: String, target: String) {
        self.kind = kind
        self.message = message
        self.target = target
    }

    /// Whether trying the same request again may succeed.
    public var isTransient: Bool { kind == .connection || kind == .timeout }

    public var description: String { "\(target): \(kind.rawValue): \(message)" }
}
