import AWSKit
import Foundation
import TestSupport
import Testing

@testable import ThumbService

/// The built binaries (thumbd-api, thumbd, thumbctl), run as an operator runs them.
enum Binaries {
    static let folder: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: beside.appendingPathComponent("thumbd-api").path) { return beside }
        return ProjectPaths.root.appendingPathComponent(".build/debug")
    }()
    static var available: Bool {
        ["thumbd-api", "thumbd", "thumbctl"].allSatisfy { FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent($0).path) }
    }
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
}

/// A process whose stdout lines (JSON log lines) are collected as they come.
final class LiveProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var collected: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let handle = out.fileHandleForReading
        Thread { [self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    lock.withLock { collected.append(line) }
                }
            }
            done.signal()
        }.start()
    }

    var lines: [String] { lock.withLock { collected } }
    var json: [[String: String]] {
        lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?.mapValues { "\($0)" }
        }
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit (SIGKILL after `seconds`); the exit status.
    func wait(seconds: Double = 30) async -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = try? await offCooperativePool { [process] in process.waitUntilExit() }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// thumbd-api and thumbd against moto_server, each test with its own queue, table and buckets
/// (made by `thumbctl setup`), talked to with curl.
struct LiveService: @unchecked Sendable {
    let id = UUID().uuidString.prefix(8).lowercased()
    var environment: [String: String]
    var api: LiveProcess?
    var port = 0

    init(_ extra: [String: String] = [:]) async throws {
        var env = ProcessInfo.processInfo.environment
        env.merge([
            "AWS_ACCESS_KEY_ID": Moto.credentials.accessKeyId, "AWS_SECRET_ACCESS_KEY": Moto.credentials.secretAccessKey,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": Moto.url ?? "", "AWS_EC2_METADATA_DISABLED": "true",
            "THUMBD_QUEUE": "live-q-\(id)", "THUMBD_JOBS_TABLE": "live-t-\(id)", "THUMBD_UPLOAD_BUCKET": "live-up-\(id)",
            "THUMBD_OUTPUT_BUCKET": "live-out-\(id)", "THUMBD_WAIT_TIME": "1", "THUMBD_LOG_FORMAT": "json", "THUMBD_SIZES": "200x200",
            "THUMBD_API_LISTEN": "127.0.0.1:0",
        ]) { _, new in new }
        env.merge(extra) { _, new in new }
        environment = env
        let setup = try await tool("thumbctl", ["setup"])
        #expect(setup.status == 0, "thumbctl setup: \(setup.stderr)")
    }

    var table: String { environment["THUMBD_JOBS_TABLE"]! }
    var uploads: String { environment["THUMBD_UPLOAD_BUCKET"]! }
    var outputs: String { environment["THUMBD_OUTPUT_BUCKET"]! }
    var store: JobStore { JobStore(dynamo: Moto.clients.dynamo, table: table) }
    var base: String { "http://127.0.0.1:\(port)" }

    func tool(_ name: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws -> ProcessResult {
        let env = environment.merging(extra) { _, new in new }
        return try await offCooperativePool { try runProcess(Binaries.path(name), arguments, environment: env) }
    }

    /// Starts thumbd-api and waits for its `listening` line (port 0: the kernel picks).
    mutating func startAPI(_ extra: [String: String] = [:]) async throws {
        let process = try LiveProcess(Binaries.path("thumbd-api"), [], environment: environment.merging(extra) { _, new in new })
        for _ in 0..<300 {
            if let line = process.json.first(where: { $0["msg"] == "listening" }), let address = line["address"],
                let port = Int(address.split(separator: ":").last ?? "")
            {
                self.port = port
                api = process
                return
            }
            if !process.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("thumbd-api did not start: \(process.lines.suffix(10))")
        throw CancellationError()
    }

    func startWorker(_ extra: [String: String] = [:]) throws -> LiveProcess {
        try LiveProcess(Binaries.path("thumbd"), [], environment: environment.merging(extra) { _, new in new })
    }

    func key(_ owner: String) async throws -> String {
        try await keyAndSecret(owner).key
    }

    /// `thumbctl api-key create`: the key and the owner's webhook signing secret.
    func keyAndSecret(_ owner: String) async throws -> (key: String, secret: String) {
        let created = try await tool("thumbctl", ["api-key", "create", "--owner", owner])
        let object = try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: String]
        return (try #require(object?["key"]), try #require(object?["webhook_secret"]))
    }

    /// curl, as a user types it; the status, headers (lower-cased names) and body.
    func curl(_ arguments: [String]) async throws -> (status: Int, headers: [String: String], body: String) {
        let headerFile = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        let result = try await offCooperativePool {
            try runProcess("/usr/bin/curl", ["-s", "-D", headerFile, "--max-time", "90"] + arguments)
        }
        let head = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        var headers: [String: String] = [:]
        var status = 0
        for line in head.components(separatedBy: "\r\n") {
            if line.hasPrefix("HTTP/") {
                status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
                headers = [:]
            } else if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (status, headers, result.output)
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    /// Polls the job until `done` holds (or `seconds` pass); its last document.
    func poll(_ location: String, key: String? = nil, seconds: Double = 30, until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: Any] = [:]
        while Date() < deadline {
            var arguments = [base + location]
            if let key { arguments += ["-H", "Authorization: Bearer \(key)"] }
            last = Self.json(try await curl(arguments).body)
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    /// Width and height of an output, as Pillow reads it (fetched signed: moto's SigV4 check refuses
    /// anonymous reads even of public-read objects).
    /// The object's size as Pillow reads it (`WxH`), after its format (`AVIF WxH`) with `format`.
    static func pillowSize(bucket: String, key: String, format: Bool = false) async throws -> String {
        let bytes = try await Moto.clients.s3.getObject(bucket: bucket, key: key).body
        let script = format
            ? "import io, sys; from PIL import Image; im = Image.open(io.BytesIO(sys.stdin.buffer.read())); im.load(); print('%s %dx%d' % (im.format, *im.size))"
            : "import io, sys; from PIL import Image; print('%dx%d' % Image.open(io.BytesIO(sys.stdin.buffer.read())).size)"
        return try await offCooperativePool {
            try runProcess("/usr/bin/env", ["python3", "-c", script], input: bytes).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
