import AWSKit
import AWSKitTesting
import Foundation
import Imaging
import Logging
import Synchronization

@testable import ThumbService

/// SQS and S3 for a worker run in-process: a `ScriptedTransport` whose handlers hand out scripted
/// ReceiveMessage batches and serve GetObject from a dictionary, answering everything else the way
/// the services do (in their wire formats, through the real clients).
final class ScriptedAWS: Sendable {
    let transport = ScriptedTransport()
    let queueURL = "http://127.0.0.1:1/123456789012/jobs"
    let dlqURL = "http://127.0.0.1:1/123456789012/jobs-dlq"
    private let batches: Mutex<[[SQSMessage]]>
    private let objects = Mutex<[String: Data]>([:])

    init(batches: [[SQSMessage]]) {
        self.batches = Mutex(batches)
        transport.on(.sqs("ReceiveMessage")) { [self] request in
            // At most MaxNumberOfMessages, as SQS: the rest of a batch waits for the next receive.
            let most = (Self.body(request)["MaxNumberOfMessages"] as? Int) ?? 1
            let batch = self.batches.withLock { batches -> [SQSMessage]? in
                guard !batches.isEmpty else { return nil }
                let taken = Array(batches[0].prefix(most))
                batches[0].removeFirst(taken.count)
                if batches[0].isEmpty { batches.removeFirst() }
                return taken
            }
            if let batch { return .sqsJSON(["Messages": batch.map(Self.json)]) }
            // A short stand-in for the long poll: an empty answer after at most 50 ms.
            let wait = (Self.body(request)["WaitTimeSeconds"] as? Int) ?? 0
            try await Task.sleep(for: min(.seconds(wait), .milliseconds(50)))
            return .sqsJSON([:])
        }
        transport.on(.sqs("SendMessage")) { _ in .sqsJSON(["MessageId": UUID().uuidString]) }
        transport.on(.sqs("DeleteMessageBatch")) { request in
            let entries = (Self.body(request)["Entries"] as? [[String: Any]]) ?? []
            return .sqsJSON(["Successful": entries.map { ["Id": $0["Id"] ?? ""] }, "Failed": []])
        }
        transport.on(.sqs("ChangeMessageVisibilityBatch")) { request in
            let entries = (Self.body(request)["Entries"] as? [[String: Any]]) ?? []
            return .sqsJSON(["Successful": entries.map { ["Id": $0["Id"] ?? ""] }, "Failed": []])
        }
        transport.on(.s3("GET")) { [self] request in
            guard let data = self.objects.withLock({ $0[request.path] }) else { return .s3Error(404, "NoSuchKey") }
            return .respond(200, headers: ["Content-Length": "\(data.count)", "ETag": "\"e\""], body: data)
        }
        transport.on(.s3("PUT")) { _ in .respond(200, headers: ["ETag": "\"put\""]) }
    }

    /// Makes `s3://bucket/key` exist with `data` (keys of letters, digits, `-`, `.` and `/`: the path
    /// is then the key as it is).
    func put(_ bucket: String, _ key: String, _ data: Data) {
        objects.withLock { $0["/\(bucket)/\(key)"] = data }
    }

    var clients: ServiceClients {
        let client = AWSClient(
            transport: transport, credentials: StaticCredentialProvider(Credentials(accessKeyId: "AKID", secretAccessKey: "secret")),
            region: "us-east-1", retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0.001))
        let endpoint = Endpoint(url: "http://127.0.0.1:1")!
        return ServiceClients(
            sqs: SQSClient(client: client, endpoint: endpoint), s3: S3Client(client: client, addressing: S3Addressing(endpoint: endpoint, forcePathStyle: true)),
            region: "us-east-1")
    }

    /// A worker over these services; settings from `THUMBD_*` values (queue, a 1 s poll, two slots,
    /// exit once idle, unless given).
    func worker(_ environment: [String: String] = [:], deadLetterQueue: Bool = true) throws -> Worker {
        var values = ["THUMBD_QUEUE": queueURL, "THUMBD_WAIT_TIME": "1", "THUMBD_CONCURRENCY": "2", "THUMBD_EXIT_WHEN_IDLE": "0",
                      "THUMBD_OUTPUT_BUCKET": "out-bucket"]
        values.merge(environment) { _, new in new }
        let settings = try Settings(Settings.Source(environment: values))
        let queues = ServiceQueues(url: queueURL, deadLetterURL: deadLetterQueue ? dlqURL : nil, deadLetterSource: deadLetterQueue ? .setting : nil)
        return Worker(settings: settings, clients: clients, queues: queues, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    // MARK: What was sent

    /// The JSON bodies of one SQS action's requests.
    func sqsBodies(_ action: String) -> [[String: Any]] {
        transport.requests(.sqs(action)).map(Self.body)
    }

    /// Receipt handles deleted (DeleteMessageBatch entries).
    var deletedHandles: [String] {
        sqsBodies("DeleteMessageBatch").flatMap { ($0["Entries"] as? [[String: Any]] ?? []).compactMap { $0["ReceiptHandle"] as? String } }
    }

    /// (receipt handle, visibility timeout) of every ChangeMessageVisibility, single or batched, in order.
    var visibilityChanges: [(handle: String, seconds: Int)] {
        transport.requests.compactMap { request -> [(String, Int)]? in
            switch ScriptedTransport.operation(of: request) {
            case .sqs("ChangeMessageVisibility"):
                let body = Self.body(request)
                return [(body["ReceiptHandle"] as? String ?? "", body["VisibilityTimeout"] as? Int ?? -1)]
            case .sqs("ChangeMessageVisibilityBatch"):
                return (Self.body(request)["Entries"] as? [[String: Any]] ?? []).map {
                    ($0["ReceiptHandle"] as? String ?? "", $0["VisibilityTimeout"] as? Int ?? -1)
                }
            default: return nil
            }
        }.flatMap { $0 }.map { (handle: $0.0, seconds: $0.1) }
    }

    /// Dead-letter sends: (queue URL, error code attribute).
    var deadLetters: [(queue: String, code: String)] {
        sqsBodies("SendMessage").map { body in
            let attributes = body["MessageAttributes"] as? [String: [String: Any]] ?? [:]
            return (body["QueueUrl"] as? String ?? "", attributes["thumbd.error_code"]?["StringValue"] as? String ?? "")
        }
    }

    /// Keys written to S3 (PUT paths).
    var uploadedPaths: [String] { transport.requests(.s3("PUT")).map(\.path) }

    // MARK: Building blocks

    static func body(_ request: HTTPRequest) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
    }

    static func json(_ message: SQSMessage) -> [String: Any] {
        ["MessageId": message.messageId, "ReceiptHandle": message.receiptHandle, "Body": message.body,
         "Attributes": message.attributes ?? [:]]
    }

    /// A message as SQS hands it out.
    static func message(_ body: String, id: String = UUID().uuidString, handle: String? = nil, receiveCount: Int = 1) -> SQSMessage {
        let json: [String: Any] = [
            "MessageId": id, "ReceiptHandle": handle ?? "rh-\(UUID().uuidString)", "Body": body,
            "Attributes": ["ApproximateReceiveCount": "\(receiveCount)"],
        ]
        return try! JSONDecoder().decode(SQSMessage.self, from: JSONSerialization.data(withJSONObject: json))
    }

    /// A small JPEG (a gradient), made with our encoder: the worker's input, not what is checked.
    static let jpeg: Data = {
        let width = 64, height = 48
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let offset = (y * width + x) * 4
                pixels[offset] = UInt8(x * 4); pixels[offset + 1] = UInt8(y * 5); pixels[offset + 2] = 128
            }
        }
        return Data(try! JPEGEncoder.encode(PixelBuffer(width: width, height: height, channels: 4, pixels: pixels), quality: 90))
    }()
}
