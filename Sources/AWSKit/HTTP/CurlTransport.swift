import Foundation

/// The real transport: libcurl on a pool of dedicated threads, never on Swift's cooperative pool
/// (`curl_easy_perform` blocks). Each thread keeps one easy handle, so connections are kept alive and
/// reused. Proxies come from the usual environment variables (`https_proxy`, `HTTPS_PROXY`,
/// `http_proxy`, `no_proxy`), which libcurl reads itself.
public final class CurlTransport: HTTPTransport {
    private let pool: BlockingThreadPool<CurlEasy>
    private let connectTimeout: TimeInterval

    /// - Parameters:
    ///   - maxConnections: the most requests in flight at once (one thread and one connection each);
    ///     further requests wait for a free thread.
    ///   - connectTimeout: the time limit for the TCP and TLS handshakes of each request.
    public init(maxConnections: Int = 16, connectTimeout: TimeInterval = 5) {
        pool = BlockingThreadPool(name: "curl", maxThreads: maxConnections) { CurlEasy() }
        self.connectTimeout = connectTimeout
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let connectTimeout = self.connectTimeout
        return try await withCheckedThrowingContinuation { continuation in
            pool.submit { easy in
                continuation.resume(with: Result { try easy.perform(request, connectTimeout: connectTimeout) })
            }
        }
    }
}
