import AWSKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import ThumbAPI
@testable import ThumbService

/// moto_server (SigV4 checked), as scripts/test.sh starts it.
enum Moto {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["THUMBD_TEST_MOTO_AUTH"]
    static var available: Bool { url != nil }
    static let skipNote = Comment(rawValue: "skipped: no moto_server (run scripts/test.sh)")
    static let credentials = Credentials(
        accessKeyId: environment["THUMBD_TEST_ACCESS_KEY_ID"] ?? "missing",
        secretAccessKey: environment["THUMBD_TEST_SECRET_ACCESS_KEY"] ?? "missing")
    static let transport = CurlTransport(maxConnections: 16)
    static var endpoint: Endpoint { Endpoint(url: url ?? "http://127.0.0.1:1")! }
    static var client: AWSClient {
        AWSClient(
            transport: transport, credentials: StaticCredentialProvider(credentials), region: "us-east-1",
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0.05))
    }
    static var clients: ServiceClients {
        ServiceClients(
            sqs: SQSClient(client: client, endpoint: endpoint),
            s3: S3Client(client: client, addressing: S3Addressing(endpoint: endpoint, forcePathStyle: true)),
            dynamo: DynamoDBClient(client: client, endpoint: endpoint), region: "us-east-1")
    }
}

/// A clock tests can move (expiry), starting at the real time.
final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }
    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }
}

/// One API of its own per test: a queue, a jobs table, an upload and an output bucket, made as
/// `thumbctl setup` makes them, and an `APIServer` over them (run in-process by HummingbirdTesting).
struct APIHarness {
    let id = UUID().uuidString.prefix(8).lowercased()
    let clients = Moto.clients
    let clock = TestClock()
    var queue: String { "api-q-\(id)" }
    var table: String { "api-t-\(id)" }
    var uploads: String { "api-up-\(id)" }
    var outputs: String { "api-out-\(id)" }
    var sources: String { "api-src-\(id)" }
    let queueURL: String
    let server: APIServer
    var store: JobStore { JobStore(dynamo: clients.dynamo, table: table) }
    var keys: APIKeyStore { APIKeyStore(dynamo: clients.dynamo, table: table) }

    /// - Parameter extra: `THUMBD_*` settings over the defaults (auth `keys`).
    init(_ extra: [String: String] = [:]) async throws {
        let names = (queue: "api-q-\(id)", table: "api-t-\(id)", uploads: "api-up-\(id)", outputs: "api-out-\(id)", sources: "api-src-\(id)")
        var environment = [
            "THUMBD_QUEUE": names.queue, "THUMBD_JOBS_TABLE": names.table, "THUMBD_UPLOAD_BUCKET": names.uploads,
            "THUMBD_OUTPUT_BUCKET": names.outputs, "THUMBD_API_SOURCE_BUCKETS": names.sources, "THUMBD_SIZES": "200x200",
        ]
        environment.merge(extra) { _, new in new }
        let source = Settings.Source(environment: environment)
        let settings = try Settings(source)
        let api = try APISettings(source, settings: settings)
        queueURL = try await clients.sqs.createQueue(name: names.queue)
        try await JobsTable.create(name: names.table, dynamo: clients.dynamo)
        try await UploadBucket.create(names.uploads, ttl: settings.jobTTL, s3: clients.s3)
        try await clients.s3.createBucket(names.outputs)
        try await clients.s3.createBucket(names.sources)
        var logger = Logger(label: "thumbd-api-test")
        logger.logLevel = .warning
        let clock = self.clock
        server = APIServer(
            settings: settings, api: api, clients: clients, queues: ServiceQueues(url: queueURL), logger: logger, now: { clock.now })
    }

    /// A new key for `owner`.
    func key(_ owner: String = "alice") async throws -> String {
        try await keys.create(owner: owner).key
    }

    /// Runs `body` against the router, without a socket.
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await server.application().test(.router) { client in try await body(client) }
    }

    /// Every message on the queue now (received, then made visible again).
    func messages() async throws -> [SQSMessage] {
        let received = try await clients.sqs.receiveMessage(queueUrl: queueURL, maxMessages: 10, waitSeconds: 0, visibilityTimeout: 0)
        return received
    }

    /// Keys in a bucket.
    func keys(in bucket: String) async throws -> [String] {
        try await clients.s3.listObjectsV2(bucket: bucket).objects.map(\.key)
    }
}

/// Request bodies, built as clients send them.
enum Bodies {
    static let photos: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thumbd-api-photos")
        let script = ProjectPaths.root.appendingPathComponent("scripts/lib/sample_photos.py").path
        if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("owl.jpg").path) {
            _ = try? runProcess("/usr/bin/env", ["python3", script, folder.path])
        }
        return folder
    }()

    static func photo(_ name: String) throws -> Data { try Data(contentsOf: photos.appendingPathComponent(name)) }

    /// `multipart/form-data` with `image` (and a file name) and text fields, as curl -F sends it.
    static func multipart(image: Data?, filename: String = "photo.jpg", fields: [String: String] = [:], imageName: String = "image")
        -> (body: ByteBuffer, contentType: String)
    {
        let boundary = "------------------------thumbd\(UUID().uuidString.prefix(8))"
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let image {
            body += Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(imageName)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += image + Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return (ByteBuffer(bytes: body), "multipart/form-data; boundary=\(boundary)")
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
    var code: String? { json["code"] as? String }
}
