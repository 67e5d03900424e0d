import Foundation
import ThreadPool

/// The real transport: libcurl on a pool of dedicated threads, never on Swift's cooperative pool
/// (`curl_easy_perform` blocks). Each thread keeps one easy handle, so connections are kept alive and
/// reused. Proxies come from the usual environment variables (`https_proxy`, `HTTPS_PROXY`,
/// `http_proxy`, `no_proxy`), which libcurl reads itself.
public final class CurlTransport: HTTPTransport {
    private let pool: BlockingThreadPool<CurlEasy>
    private let connectTimeout: TimeInterval
    private let readTimeout: TimeInterval

    /// - Parameters:
    ///   - maxConnections: the most requests in flight at once (one thread and one connection each);
    ///     further requests wait for a free thread.
    ///   - connectTimeout: the time limit for the TCP and TLS handshakes of each request.
    ///   - readTimeout: a request whose connection carries no byte for this long fails with a timeout
    ///     (botocore's `read_timeout`, 60 s by default). It must exceed the longest SQS long poll.
    ///   - caBundle: a PEM file of trusted CAs instead of the system's; defaults to `AWS_CA_BUNDLE`,
    ///     as the AWS SDKs read it.
    public init(
        maxConnections: Int = 16, connectTimeout: TimeInterval = 5, readTimeout: TimeInterval = 60,
        caBundle: String? = ProcessInfo.processInfo.environment["AWS_CA_BUNDLE"]
    ) {
        pool = BlockingThreadPool(name: "curl", maxThreads: maxConnections) { CurlEasy() }
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.caBundle = caBundle.flatMap { $0.isEmpty ? nil : $0 }
    }

    private let caBundle: String?

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let connectTimeout = self.connectTimeout
        let readTimeout = self.readTimeout
        let caBundle = self.caBundle
        let cancellation = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pool.submit { easy in
                    continuation.resume(
                        with: Result {
                            try easy.perform(
                                request, connectTimeout: connectTimeout, readTimeout: readTimeout, caBundle: caBundle,
                                cancellation: cancellation)
                        })
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}
