import Prometheus

/// What `GET /metrics` exposes, in the Prometheus text format (swift-prometheus's registry, no global
/// metrics system): requests by route, method and status; their latency; uploads in progress and the
/// bytes they brought.
public final class APIMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let uploadsInProgress: Gauge
    let bytesReceived: Counter

    /// Latency buckets, seconds: from 5 ms (a status read) to 60 s (a `Prefer: wait` at its limit).
    static let buckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60].map {
        .milliseconds(Int($0 * 1000))
    }

    public init() {
        uploadsInProgress = registry.makeGauge(
            name: "thumbd_api_uploads_in_progress", help: "Uploads being received or stored now")
        bytesReceived = registry.makeCounter(name: "thumbd_api_upload_bytes_total", help: "Upload bytes received")
    }

    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(name: "thumbd_api_requests_total", labels: labels, help: "HTTP requests answered").increment()
        registry.makeDurationHistogram(
            name: "thumbd_api_request_duration_seconds", labels: [("route", route), ("method", method)], buckets: Self.buckets,
            help: "Time from the request's head to the response"
        ).record(duration)
    }

    /// The exposition text.
    public func render() -> String { registry.emitToString() }
}
