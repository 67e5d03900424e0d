import AWSKit
import Foundation
import TestSupport
import ThumbService
import Testing

/// The moto_server scripts/test.sh starts with SigV4 checks, and the built binaries, run as a user
/// runs them: environment variables in, stdout and stderr out.
enum Moto {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["THUMBD_TEST_MOTO_AUTH"]
    static var available: Bool { url != nil && Binaries.available }
    static let skipNote = Comment(rawValue: "skipped: no moto_server or binaries (run scripts/test.sh)")
    static let credentials = Credentials(
        accessKeyId: environment["THUMBD_TEST_ACCESS_KEY_ID"] ?? "missing", secretAccessKey: environment["THUMBD_TEST_SECRET_ACCESS_KEY"] ?? "missing")
    static let transport = CurlTransport(maxConnections: 8)

    static var client: AWSClient {
        AWSClient(transport: transport, credentials: StaticCredentialProvider(credentials), region: "us-east-1", retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0.05))
    }
    static var sqs: SQSClient { sqs(url) }
    static var s3: S3Client { s3(url) }
    /// The moto_server without SigV4 checks: its S3 check refuses keys with spaces or non-ASCII
    /// letters that real S3 takes, so tests of such keys use this one.
    static let openURL = environment["THUMBD_TEST_MOTO_OPEN"]
    static func sqs(_ url: String?) -> SQSClient { SQSClient(client: client, endpoint: Endpoint(url: url ?? "http://127.0.0.1:1")!) }
    static func s3(_ url: String?) -> S3Client {
        S3Client(client: client, addressing: S3Addressing(endpoint: Endpoint(url: url ?? "http://127.0.0.1:1")!, forcePathStyle: true))
    }
}

enum Binaries {
    static let root = ProjectPaths.root
    static let folder: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: beside.appendingPathComponent("thumbd").path) { return beside }
        return root.appendingPathComponent(".build/debug")
    }()
    static var available: Bool {
        ["thumbd", "thumb-submit", "thumbctl"].allSatisfy { FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent($0).path) }
    }
}

/// One queue, DLQ, source bucket and output bucket of its own per test, made by `thumbctl setup`.
struct ServiceFixture {
    let queue: String
    let sourceBucket: String
    let outputBucket: String
    let photos: URL
    /// The moto_server the fixture and its tools use.
    let endpointURL: String?
    var s3: S3Client { Moto.s3(endpointURL) }
    var sqs: SQSClient { Moto.sqs(endpointURL) }

    /// - Parameter open: use the moto_server without SigV4 checks (`Moto.openURL`).
    init(open: Bool = false) async throws {
        endpointURL = open ? Moto.openURL : Moto.url
        let id = UUID().uuidString.prefix(8).lowercased()
        queue = "jobs-\(id)"
        sourceBucket = "src-\(id)"
        outputBucket = "out-\(id)"
        photos = FileManager.default.temporaryDirectory.appendingPathComponent("photos-\(id)")
        let script = Binaries.root.appendingPathComponent("scripts/lib/sample_photos.py").path
        try await offCooperativePool { [photos] in try runProcess("/usr/bin/env", ["python3", script, photos.path]) }
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["AWS_ACCESS_KEY_ID"] = Moto.credentials.accessKeyId
        env["AWS_SECRET_ACCESS_KEY"] = Moto.credentials.secretAccessKey
        env["AWS_REGION"] = "us-east-1"
        env["AWS_ENDPOINT_URL"] = endpointURL
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["THUMBD_QUEUE"] = queue
        env["THUMBD_OUTPUT_BUCKET"] = outputBucket
        env["THUMBD_WAIT_TIME"] = "1"
        env["THUMBD_LOG_FORMAT"] = "json"
        return env
    }

    func setUp() async throws {
        let result = try await tool("thumbctl", ["setup"])
        #expect(result.status == 0, "thumbctl setup: \(result.stderr)")
        try await s3.createBucket(sourceBucket)
        for name in ["canyon", "dancing", "owl", "skyline", "street"] {
            try await upload(name + ".jpg", as: "codelab-04/\(name).jpg")
        }
    }

    func upload(_ file: String, as key: String) async throws {
        try await s3.putObject(
            bucket: sourceBucket, key: key, body: Data(contentsOf: photos.appendingPathComponent(file)),
            options: PutObjectOptions(contentType: "image/jpeg"))
    }

    func url(_ name: String) async throws -> String {
        try await sqs.getQueueUrl(name: name)
    }

    @discardableResult
    func tool(_ name: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
        var env = environment
        env.merge(extra) { _, new in new }
        let path = Binaries.folder.appendingPathComponent(name).path
        let result = try await offCooperativePool { [env] in try runProcess(path, arguments, environment: env) }
        return (result.status, result.output, result.stderr)
    }

    /// Starts thumbd; its output is collected until it exits.
    func startDaemon(_ arguments: [String] = [], environment extra: [String: String] = [:]) throws -> Daemon {
        var env = environment
        env.merge(extra) { _, new in new }
        return try Daemon(Binaries.folder.appendingPathComponent("thumbd").path, arguments, environment: env)
    }

    /// Polls `condition` every 200 ms for up to `seconds` (TestSupport's `eventually`).
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        try await TestSupport.eventually(seconds, condition)
    }
}

/// A running thumbd.
final class Daemon: @unchecked Sendable {
    let process = Process()
    private let output: PipeCollector
    private let errors: PipeCollector

    init(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        output = PipeCollector(out.fileHandleForReading)
        errors = PipeCollector(err.fileHandleForReading)
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit (up to `seconds`, then SIGKILL) and returns the status and the log lines.
    func wait(seconds: Double = 60) async -> (status: Int32, lines: [[String: String]], stderr: String) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = try? await offCooperativePool { [process] in process.waitUntilExit() }
        let collected = (try? await offCooperativePool { [output, errors] in (output.wait(), errors.wait()) }) ?? (Data(), Data())
        let lines = String(decoding: collected.0, as: UTF8.self).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: String]
        }
        return (process.terminationStatus, lines, String(decoding: collected.1, as: UTF8.self))
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}


extension Moto {
    static var dynamo: DynamoDBClient { DynamoDBClient(client: client, endpoint: Endpoint(url: url ?? "http://127.0.0.1:1")!) }

    /// A jobs table of its own (`JobsTable.create`, as thumbctl setup makes it).
    static func jobStore() async throws -> JobStore {
        let name = "jobs-\(UUID().uuidString.prefix(8).lowercased())"
        try await JobsTable.create(name: name, dynamo: dynamo)
        return JobStore(dynamo: dynamo, table: name)
    }
}
