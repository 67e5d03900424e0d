import AWSKit
import Foundation
import ThumbService

/// Makes one webhook attempt: a signed `POST` of the event body to the callback URL, connecting only
/// to addresses `CallbackURLRule` allows (checked for each address the name resolves to, as curl
/// connects), with no proxy from the environment, no redirects followed, a 10 s limit for the
/// whole exchange, and at most 1 KB of the answer kept.
struct WebhookSender: Sendable {
    let transport: any HTTPTransport
    let rule: CallbackURLRule

    static let timeout: TimeInterval = 10
    static let keptAnswerBytes = 1024
    static let userAgent = "thumbd-webhooks/1"

    /// What one attempt came to.
    struct Attempt: Sendable, Equatable {
        /// The answer's HTTP status; nil when there was none.
        var status: Int?
        /// Why it did not succeed, for the job's owner (nil when it did): which kind of failure, never
        /// an address or a resolver's words (they would tell the owner what internal names resolve to).
        var error: String?
        /// The same with everything the transport said, for the server's log only.
        var detail: String?
        var succeeded: Bool { error == nil }
    }

    /// A transport of its own (webhooks must not wait behind AWS calls, nor hold their connections):
    /// up to 16 attempts at once, 5 s to connect, nothing heard for 10 s ends it.
    static func makeTransport() -> CurlTransport {
        CurlTransport(maxConnections: 16, connectTimeout: 5, readTimeout: timeout)
    }

    /// Posts `body` signed with `keys` (newest first; never none: an unsigned webhook is not sent).
    func send(to url: String, id: String, at date: Date, body: Data, keys: [[UInt8]]) async -> Attempt {
        guard !keys.isEmpty else { return Attempt(error: "the owner's signing secret cannot be read") }
        guard let request = request(url) else { return Attempt(error: "the callback URL cannot be called") }
        var post = request
        let timestamp = Int(date.timeIntervalSince1970)
        post.headers = [
            "Content-Type": "application/json", "User-Agent": Self.userAgent, "webhook-id": id, "webhook-timestamp": String(timestamp),
            "webhook-signature": WebhookSignature.header(id: id, timestamp: timestamp, body: body, keys: keys),
        ]
        post.body = body
        do {
            let response = try await transport.send(post)
            if (200..<300).contains(response.status) { return Attempt(status: response.status) }
            let redirect = (300..<400).contains(response.status) ? " (redirects are not followed)" : ""
            return Attempt(status: response.status, error: "the answer was HTTP \(response.status)\(redirect)")
        } catch let error as HTTPError {
            let said: String
            switch error.kind {
            case .addressRefused: said = "the callback URL's host resolves to an address webhooks may not reach"
            case .timeout: said = "no answer within \(Int(Self.timeout)) s"
            case .tls: said = "the TLS handshake failed (certificate or protocol)"
            case .connection, .responseTooLarge, .invalidRequest, .cancelled: said = "no answer (the connection failed)"
            }
            return Attempt(error: said, detail: "\(error)")
        } catch {
            return Attempt(error: "no answer (the connection failed)", detail: "\(error)")
        }
    }

    /// The request for a callback URL (already checked by `CallbackURLRule.check`), with the
    /// connect-time check.
    func request(_ url: String) -> HTTPRequest? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            var host = components.percentEncodedHost, !host.isEmpty
        else { return nil }
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        var request = HTTPRequest(
            method: "POST", endpoint: Endpoint(scheme: scheme, host: host, port: components.port), path: path,
            query: components.percentEncodedQuery ?? "", timeout: Self.timeout, maxResponseBytes: Self.keptAnswerBytes)
        request.truncateResponse = true
        request.useEnvironmentProxy = false
        request.allowAddress = { [rule] in rule.allows(address: $0) }
        return request
    }
}
