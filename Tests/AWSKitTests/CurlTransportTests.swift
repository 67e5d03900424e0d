import Foundation
import TestSupport
import Testing

@testable import AWSKit

/// CurlTransport against a real HTTP server on 127.0.0.1.
@Suite("HTTP over libcurl")
struct CurlTransportTests {
    struct Echo: Decodable {
        let method: String
        let headers: [[String]]
        let body_length: Int
        let client_port: Int

        func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }
    }

    func request(_ server: PythonServer, _ method: String, _ path: String, query: String = "", body: Data = Data(),
                 headers: HTTPHeaders = [:], timeout: TimeInterval = 10, maxBytes: Int = 1 << 20) -> HTTPRequest {
        HTTPRequest(method: method, endpoint: Endpoint(url: server.url)!, path: path, query: query, headers: headers, body: body,
                    timeout: timeout, maxResponseBytes: maxBytes)
    }

    @Test("methods, bodies and headers go out as given; curl adds no Expect, form type or Accept")
    func requestShape() async throws {
        let server = try PythonServer("http_peer.py")
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 2)
        for method in ["GET", "PUT", "POST", "DELETE"] {
            let body = method == "GET" ? Data() : Data(repeating: 7, count: 2 << 20)  // 2 MiB: would trigger Expect: 100-continue
            let response = try await transport.send(request(server, method, "/echo", body: body, headers: ["X-Custom": "v"]))
            #expect(response.status == 200)
            let echo = try JSONDecoder().decode(Echo.self, from: response.body)
            #expect(echo.method == method)
            #expect(echo.body_length == body.count)
            #expect(echo.header("X-Custom") == "v")
            #expect(echo.header("Expect") == nil)
            #expect(echo.header("Accept") == nil)
            #expect(echo.header("Content-Type") == nil)
            if method != "GET" { #expect(echo.header("Content-Length") == String(body.count)) }
        }
        let head = try await transport.send(request(server, "HEAD", "/bytes", query: "n=10"))
        #expect(head.status == 200 && head.body.isEmpty && head.headers["Content-Length"] == "10")
    }

    @Test("connections are kept alive and reused")
    func keepAlive() async throws {
        let server = try PythonServer("http_peer.py")
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1)
        var ports = Set<Int>()
        for _ in 0..<5 {
            let response = try await transport.send(request(server, "GET", "/echo"))
            ports.insert(try JSONDecoder().decode(Echo.self, from: response.body).client_port)
        }
        #expect(ports.count == 1)
    }

    @Test("a body over the cap is refused: by Content-Length before reading it, and while reading a chunked one")
    func sizeCap() async throws {
        let server = try PythonServer("http_peer.py")
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 2)
        let fits = try await transport.send(request(server, "GET", "/bytes", query: "n=1000", maxBytes: 1000))
        #expect(fits.body.count == 1000)
        for path in ["/bytes", "/chunked"] {
            let error = await #expect(throws: HTTPError.self) {
                _ = try await transport.send(request(server, "GET", path, query: "n=300000", maxBytes: 100_000))
            }
            #expect(error?.kind == .responseTooLarge, "\(path)")
        }
    }

    @Test("timeouts and refused connections are transient errors")
    func failures() async throws {
        let server = try PythonServer("http_peer.py")
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 2)
        let started = Date()
        let slow = await #expect(throws: HTTPError.self) {
            _ = try await transport.send(request(server, "GET", "/slow", query: "s=60", timeout: 0.5))
        }
        #expect(slow?.kind == .timeout)
        // The timeout ended it, not the server's answer a minute later. Generous: the tests run in
        // parallel on two cores, and blocking work on the cooperative pool delays this task's
        // resumption: by up to 25 s in CI while the imaging tests ran there, 6 to 9 s in full local
        // runs since they run off it (`.offThePool`), 18 s without. The error kind above already says
        // it was the timeout.
        #expect(Date().timeIntervalSince(started) < 50)
        #expect(slow?.isTransient == true)

        let closed = HTTPRequest(method: "GET", endpoint: Endpoint(url: "http://127.0.0.1:1")!, path: "/")
        let refused = await #expect(throws: HTTPError.self) { _ = try await transport.send(closed) }
        #expect(refused?.kind == .connection)
    }

    @Test("the read timeout ends a request that receives nothing, well before its overall timeout")
    func readTimeout() async throws {
        let server = try PythonServer("http_peer.py")
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 2, readTimeout: 2)
        let started = Date()
        let silent = await #expect(throws: HTTPError.self) {
            _ = try await transport.send(request(server, "GET", "/slow", query: "s=60", timeout: 120))
        }
        #expect(silent?.kind == .timeout)
        #expect(silent?.isTransient == true)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 1.5 && elapsed < 30, "ended after \(elapsed) s; the read timeout is 2 s, the overall one 120 s")
        // An answer that comes within the read timeout is not affected.
        let response = try await transport.send(request(server, "GET", "/slow", query: "s=1", timeout: 120))
        #expect(response.status == 200)
    }

    @Test("many requests at once all complete on the transport's own threads")
    func concurrency() async throws {
        let server = try PythonServer("http_peer.py")
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 4)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { try await transport.send(request(server, "GET", "/slow", query: "s=0.5")).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 8))
        // The server saw the requests overlap, four at a time (the transport's connection limit).
        struct Stats: Decodable { let max_in_flight: Int }
        let stats = try JSONDecoder().decode(Stats.self, from: try await transport.send(request(server, "GET", "/stats")).body)
        #expect(stats.max_in_flight == 4)
    }
}
