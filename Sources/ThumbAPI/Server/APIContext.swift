import Hummingbird
import Logging
import Synchronization

/// The request context of thumbd-api's routes: the request id and, once `AuthMiddleware` ran, the
/// owner whose jobs the request may see.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `X-Request-Id`: the client's (when it is a sane token) or one made here.
    public var requestID: String = ""
    /// Who the request acts for (an API key's owner, or `APISettings.anonymousOwner`).
    public var owner: String?
    /// What handlers learn that the access log line reports (shared with `FrontMiddleware`).
    public var observation = RequestObservation()

    /// The peer's IP address (the load balancer's, behind one).
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The owner, or 401 when no middleware set one (a route outside the authenticated group).
    /// - Throws: `Problem` `unauthorized`.
    public func requireOwner() throws -> String {
        guard let owner else { throw Problem(.unauthorized, "no API key") }
        return owner
    }
}

/// Facts for the access log line that inner handlers find out (the owner, the job, bytes received).
public final class RequestObservation: Sendable {
    private let state = Mutex<[String: String]>([:])

    public init() {}

    public func set(_ key: String, _ value: String) { state.withLock { $0[key] = value } }
    public var values: [String: String] { state.withLock { $0 } }
}
