import AWSKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import ThumbAPI
@testable import ThumbService

/// The operational routes, the rate limit, request ids and problem details for what no route matches.
@Suite("Operations routes", .enabled(if: Moto.available, Moto.skipNote))
struct OperationsTests {
    @Test("healthz 200; readyz 200, and 503 naming what is missing; metrics count requests by route and status")
    func healthReadinessMetrics() async throws {
        let harness = try await APIHarness()
        try await harness.test { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok, "\(ready.json)")
            _ = try await client.execute(uri: "/v1/jobs/x", method: .get)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"thumbd_api_requests_total{route="/v1/jobs/{id}",method="GET",status="401"} 1"#), "\(metrics.prefix(2000))")
            #expect(metrics.contains("thumbd_api_request_duration_seconds_bucket"))
            #expect(metrics.contains("thumbd_api_uploads_in_progress"))
        }
        try await harness.clients.s3.deleteBucket(harness.outputs)
        let notReady = try await harness.test { client in try await client.execute(uri: "/readyz", method: .get) }
        #expect(notReady.status == .serviceUnavailable && (notReady.json["detail"] as? String)?.contains("output bucket") == true)
    }

    @Test("GET /openapi.yaml serves docs/openapi.yaml as it is in the repository (scripts/gen-openapi.sh keeps them equal)")
    func openAPIDocument() async throws {
        let harness = try await APIHarness()
        let served = try await harness.test { client in try await client.execute(uri: "/openapi.yaml", method: .get) }
        let file = try String(contentsOf: ProjectPaths.root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        #expect(served.status == .ok)
        #expect(String(buffer: served.body) == file, "run scripts/gen-openapi.sh")
    }

    @Test("GET / is the upload page: its settings filled in and escaped, the CSP, the script, stylesheet and icon beside it")
    func uploadPage() async throws {
        let harness = try await APIHarness(["THUMBD_API_AUTH": "none", "THUMBD_SIZES": "320x200,64x64:fill"])
        let origin = harness.clients.s3.addressing.locate(bucket: harness.outputs, key: "k").endpoint.origin
        try await harness.test { client in
            let page = try await client.execute(uri: "/", method: .get)
            let html = String(buffer: page.body)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.contains(#"data-auth="none" data-sizes="320x200,64x64:fill""#))
            #expect(!html.contains("{{"), "every placeholder filled")
            #expect(!html.contains("<script>") && !html.contains("style="), "no inline script or style")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self';") && policy.contains("img-src 'self' \(origin)"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            for (path, type) in [("/page.js", "text/javascript"), ("/page.css", "text/css"), ("/favicon.svg", "image/svg+xml")] {
                let asset = try await client.execute(uri: path, method: .get)
                #expect(asset.status == .ok && asset.headers[.contentType]?.hasPrefix(type) == true, "\(path)")
                #expect(asset.headers[.contentSecurityPolicy] == policy)
            }
        }
        #expect(PageController.attribute(#"a"<b>&"#) == "a&quot;&lt;b&gt;&amp;")
    }

    @Test("the rate limit: past the burst, 429 rate_limited with Retry-After; per key; wrong keys are limited too")
    func rateLimit() async throws {
        // A rate so slow that no token comes back while the test runs, however loaded the machine.
        let harness = try await APIHarness(["THUMBD_API_RATE_LIMIT": "0.001/2"])
        let alice = try await harness.key("alice")
        let bob = try await harness.key("bob")
        try await harness.test { client in
            var statuses: [Int] = []
            for _ in 0..<3 {
                statuses.append(Int(try await client.execute(uri: "/v1/jobs", method: .get, headers: [.authorization: "Bearer \(alice)"]).status.code))
            }
            #expect(statuses == [200, 200, 429])
            let limited = try await client.execute(uri: "/v1/jobs", method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(limited.code == "rate_limited")
            #expect((900...1000).contains(limited.headers[.retryAfter].flatMap(Int.init) ?? 0), "about (1 - tokens left) / rate seconds")
            #expect(try await client.execute(uri: "/v1/jobs", method: .get, headers: [.authorization: "Bearer \(bob)"]).status == .ok)
            var wrong: [Int] = []
            for attempt in 0..<40 {
                let response = try await client.execute(uri: "/v1/jobs", method: .get, headers: [.authorization: "Bearer thk_aaaaaaaaaa_\(attempt)"])
                wrong.append(Int(response.status.code))
            }
            // 20 failures, then one a second: 40 attempts hit the limit unless they took over 20 s.
            #expect(wrong.prefix(20).allSatisfy { $0 == 401 } && wrong.contains(429), "\(wrong)")
        }
    }

    @Test("the token bucket, on a test clock: a burst, then one token per 1/rate seconds; Retry-After rounds up")
    func tokenBucket() {
        let clock = Mutex(ContinuousClock.now)
        let limiter = RateLimiter(rate: 2, burst: 3, now: { clock.withLock { $0 } })
        #expect((0..<3).map { _ in limiter.take("k") } == [nil, nil, nil])
        #expect(limiter.take("k") == 1, "0 tokens at 2 a second: 0.5 s, rounded up to 1")
        clock.withLock { $0 += .milliseconds(500) }
        #expect(limiter.take("k") == nil)
        #expect(limiter.take("k") == 1)
        #expect(limiter.take("other") == nil, "per key")
        clock.withLock { $0 += .seconds(60) }
        #expect((0..<4).map { _ in limiter.take("k") } == [nil, nil, nil, 1], "refills to the burst, no more")
        let slow = RateLimiter(rate: 0.25, burst: 1, now: { clock.withLock { $0 } })
        #expect(slow.take("k") == nil)
        #expect(slow.take("k") == 4)
    }

    @Test("request ids: a sane X-Request-Id is kept, anything else replaced; unknown routes are problem+json 404")
    func requestIDsAndUnknownRoutes() async throws {
        let harness = try await APIHarness()
        try await harness.test { client in
            let kept = try await client.execute(uri: "/healthz", method: .get, headers: [.xRequestID: "abc-123.X:9"])
            #expect(kept.headers[.xRequestID] == "abc-123.X:9")
            let replaced = try await client.execute(uri: "/healthz", method: .get, headers: [.xRequestID: "<script>alert(1)</script>"])
            #expect(replaced.headers[.xRequestID]?.count == 26)
            let missing = try await client.execute(uri: "/nothing/here", method: .get)
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json" && missing.code == "not_found")
        }
    }

    @Test("settings: THUMBD_API_LISTEN, auth, rate and the required buckets and table are checked with the key named")
    func settings() throws {
        func make(_ environment: [String: String]) throws -> APISettings {
            var base = ["THUMBD_JOBS_TABLE": "t", "THUMBD_UPLOAD_BUCKET": "u", "THUMBD_OUTPUT_BUCKET": "o"]
            base.merge(environment) { _, new in new }
            let source = Settings.Source(environment: base)
            return try APISettings(source, settings: try Settings(source))
        }
        let defaults = try make([:])
        #expect(defaults.host == "127.0.0.1" && defaults.port == 8080 && defaults.auth == .keys)
        #expect(defaults.maxUploadBytes == 64 << 20 && defaults.drainTimeout == .seconds(65))
        #expect(defaults.rateLimit.rate == 50 && defaults.rateLimit.burst == 100)
        #expect(try make(["THUMBD_API_LISTEN": "[::1]:9000"]).host == "::1")
        for (key, value) in [
            ("THUMBD_API_LISTEN", "nonsense"), ("THUMBD_API_AUTH", "maybe"), ("THUMBD_API_RATE_LIMIT", "fast"),
            ("THUMBD_API_MAX_UPLOAD_MB", "0"), ("THUMBD_API_DRAIN_TIMEOUT", "-1"), ("THUMBD_UPLOAD_BUCKET", ""),
        ] {
            var environment = [key: value]
            if value.isEmpty { environment = [:] }
            let error = #expect(throws: Settings.InvalidSetting.self) {
                if value.isEmpty {
                    let source = Settings.Source(environment: ["THUMBD_JOBS_TABLE": "t", "THUMBD_OUTPUT_BUCKET": "o"])
                    _ = try APISettings(source, settings: try Settings(source))
                } else {
                    _ = try make(environment)
                }
            }
            #expect(error?.key == key)
        }
    }
}

/// The README lists every code the API answers with, with its status (the catalogue is the source).
@Suite("Problem codes")
struct ProblemCodeTests {
    /// `code -> status` from every README table row whose last cell is a status.
    static func readmeStatuses() throws -> [String: Int] {
        let readme = try String(contentsOf: ProjectPaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        var statuses: [String: Int] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let code = cells.first?.split(separator: "`").first, let status = cells.last.flatMap({ Int($0) }),
                (100...599).contains(status)
            else { continue }
            statuses[String(code)] = status
        }
        return statuses
    }

    @Test("every code in the catalogue is in the README with the status the API gives it, and nothing else is")
    func readmeStatusesMatch() throws {
        let readme = try Self.readmeStatuses()
        for (code, entry) in Problem.catalogue {
            #expect(readme[code] == entry.status, "\(code): README says \(readme[code].map(String.init) ?? "nothing"), the API \(entry.status)")
        }
        #expect(Set(readme.keys) == Set(Problem.catalogue.keys))
        #expect(Set(JobError.Code.allCases.map(\.rawValue)).isSubset(of: Problem.catalogue.keys), "every worker code has an HTTP status")
        #expect(Set(Problem.Code.allCases.map(\.rawValue)).isSubset(of: Problem.catalogue.keys))
    }
}
