import HTTPTypes
import Hummingbird
import Logging
import ThumbService

/// Finds the request's owner: with `THUMBD_API_AUTH=keys` from `Authorization: Bearer <key>` (a
/// consistent read of the key's record each time, so a revoked key fails at once), else the anonymous
/// owner. Then the per-key rate limit. Missing or wrong key: 401 with `WWW-Authenticate: Bearer`
/// (RFC 6750 section 3); failed attempts are rate-limited per client address as well, so guessing keys
/// costs the guesser 429s rather than the table reads.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let mode: APISettings.AuthMode
    let keys: APIKeyStore
    let limiter: RateLimiter
    /// Failed attempts per client address: 20, then one a second.
    let failures = RateLimiter(rate: 1, burst: 20)
    let logger: Logger

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        let owner: String
        let bucket: String
        switch mode {
        case .none:
            owner = APISettings.anonymousOwner
            bucket = owner
        case .keys:
            guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
                throw Problem(.unauthorized, "send Authorization: Bearer <API key>", headers: [.wwwAuthenticate: #"Bearer realm="thumbd""#])
            }
            let key = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            let client = context.remoteAddress ?? "unknown"
            if failures.isEmpty(client) {
                throw Problem(.rateLimited, "too many requests with wrong keys from this address", headers: [.retryAfter: "1"])
            }
            let found: String?
            do {
                found = try await keys.owner(ofKey: key)
            } catch {
                logger.error("reading an API key failed", metadata: ["request_id": "\(context.requestID)", "error": "\(error)"])
                throw Problem(JobError(.jobsTable, "the API keys could not be read; quote request id \(context.requestID)", transient: true))
            }
            guard let found else {
                _ = failures.take(client)
                throw Problem(
                    .unauthorized, "the API key is not valid (unknown, mistyped or revoked)",
                    headers: [.wwwAuthenticate: #"Bearer realm="thumbd", error="invalid_token""#])
            }
            owner = found
            bucket = String(key.split(separator: "_").dropFirst().first ?? "")
        }
        if let retryAfter = limiter.take(bucket) {
            throw Problem(
                .rateLimited, "more than \(limiter.rate) requests a second for this key; try again in \(retryAfter) s",
                headers: [.retryAfter: String(retryAfter)])
        }
        context.owner = owner
        context.observation.set("owner", owner)
        return try await next(request, context)
    }
}
