import Foundation
import Testing

@testable import AWSKit

/// SQS against moto_server with SigV4 checking on: a wrong signature would fail every test here.
@Suite("SQS against moto_server", .enabled(if: Moto.available, Moto.skipNote))
struct SQSIntegrationTests {
    let sqs = Moto.sqs()

    @Test("queues: create with a redrive policy, find, read and change attributes, list, purge, delete")
    func queueLifecycle() async throws {
        let name = Moto.uniqueName("q")
        let dlqUrl = try await sqs.createQueue(name: name + "-dlq", attributes: ["MessageRetentionPeriod": "1209600"])
        let dlqArn = try #require(try await sqs.getQueueAttributes(queueUrl: dlqUrl, names: ["QueueArn"])["QueueArn"])
        let redrive = #"{"deadLetterTargetArn":"\#(dlqArn)","maxReceiveCount":"5"}"#
        let url = try await sqs.createQueue(
            name: name, attributes: ["VisibilityTimeout": "60", "ReceiveMessageWaitTimeSeconds": "20", "RedrivePolicy": redrive])
        #expect(url.hasSuffix("/" + name))
        // Creating it again with the same attributes is idempotent.
        #expect(try await sqs.createQueue(name: name, attributes: ["VisibilityTimeout": "60", "ReceiveMessageWaitTimeSeconds": "20", "RedrivePolicy": redrive]) == url)
        #expect(try await sqs.getQueueUrl(name: name) == url)

        let attributes = try await sqs.getQueueAttributes(queueUrl: url)
        #expect(attributes["VisibilityTimeout"] == "60")
        #expect(attributes["RedrivePolicy"]?.contains(dlqArn) == true)
        try await sqs.setQueueAttributes(queueUrl: url, attributes: ["VisibilityTimeout": "90"])
        #expect(try await sqs.getQueueAttributes(queueUrl: url, names: ["VisibilityTimeout"])["VisibilityTimeout"] == "90")

        let listed = try await sqs.listQueues(prefix: name)
        #expect(Set(listed.urls) == [url, dlqUrl])

        _ = try await sqs.sendMessage(queueUrl: url, body: "to be purged")
        try await sqs.purgeQueue(queueUrl: url)
        #expect(try await sqs.receiveMessage(queueUrl: url, maxMessages: 10, waitSeconds: 0).isEmpty)

        try await sqs.deleteQueue(queueUrl: url)
        try await sqs.deleteQueue(queueUrl: dlqUrl)
        let error = await #expect(throws: AWSServiceError.self) { try await sqs.getQueueUrl(name: name) }
        #expect(error?.code == "QueueDoesNotExist")
        #expect(error?.description.contains("SQS GetQueueUrl") == true)
    }

    @Test("messages: send with attributes and delay, receive with system attributes, change visibility, delete")
    func messageLifecycle() async throws {
        let url = try await sqs.createQueue(name: Moto.uniqueName("m"), attributes: ["VisibilityTimeout": "30"])
        let body = #"{"bucket":"b","key":"ünïcödé key.jpg","width":400}"#
        let sent = try await sqs.sendMessage(
            queueUrl: url, body: body,
            attributes: ["thumbd.reason": .string("a reason"), "attempt": .number(3),
                         "blob": MessageAttributeValue(dataType: "Binary", binaryValue: Data([0, 1, 2, 255]))])
        #expect(!sent.messageId.isEmpty)

        let received = try await sqs.receiveMessage(queueUrl: url, maxMessages: 10, waitSeconds: 1, visibilityTimeout: 1)
        let message = try #require(received.first)
        #expect(received.count == 1)
        #expect(message.messageId == sent.messageId)
        #expect(message.body == body)
        #expect(message.receiveCount == 1)
        #expect(message.attributes?["SentTimestamp"] != nil)
        #expect(message.messageAttributes?["thumbd.reason"]?.stringValue == "a reason")
        #expect(message.messageAttributes?["attempt"] == .number(3))
        #expect(message.messageAttributes?["blob"]?.binaryValue == Data([0, 1, 2, 255]))

        // Visible again after its 1 s visibility timeout, received a second time: a long poll returns
        // the moment it is (no sleep guessing when).
        let again = try #require(try await sqs.receiveMessage(queueUrl: url, waitSeconds: 5).first)
        #expect(again.receiveCount == 2)
        try await sqs.changeMessageVisibility(queueUrl: url, receiptHandle: again.receiptHandle, visibilityTimeout: 0)
        let third = try #require(try await sqs.receiveMessage(queueUrl: url, waitSeconds: 2).first)
        #expect(third.receiveCount == 3)
        try await sqs.deleteMessage(queueUrl: url, receiptHandle: third.receiptHandle)
        #expect(try await sqs.receiveMessage(queueUrl: url, waitSeconds: 0).isEmpty)

        _ = try await sqs.sendMessage(queueUrl: url, body: "later", delaySeconds: 60)
        #expect(try await sqs.receiveMessage(queueUrl: url, waitSeconds: 0).isEmpty, "delayed messages are not visible yet")
        try await sqs.deleteQueue(queueUrl: url)
    }

    @Test("batches: send, change visibility and delete ten at a time, with per-entry failures")
    func batches() async throws {
        let url = try await sqs.createQueue(name: Moto.uniqueName("batch"))
        let entries = (0..<10).map { SendMessageBatchEntry(id: "e\($0)", messageBody: "message \($0)") }
        let sent = try await sqs.sendMessageBatch(queueUrl: url, entries: entries)
        #expect(sent.successful.count == 10)
        #expect(sent.failed.isEmpty)

        var received: [SQSMessage] = []
        for _ in 0..<5 where received.count < 10 {
            received += try await sqs.receiveMessage(queueUrl: url, maxMessages: 10, waitSeconds: 1)
        }
        #expect(Set(received.map(\.body)) == Set((0..<10).map { "message \($0)" }))

        let visibility = try await sqs.changeMessageVisibilityBatch(
            queueUrl: url,
            entries: received.enumerated().map { ChangeMessageVisibilityBatchEntry(id: "v\($0.offset)", receiptHandle: $0.element.receiptHandle, visibilityTimeout: 120) })
        #expect(visibility.successful.count == received.count)

        // One entry with a receipt handle SQS never issued: the batch succeeds, that entry fails.
        var deletions = received.prefix(9).enumerated().map { DeleteMessageBatchEntry(id: "d\($0.offset)", receiptHandle: $0.element.receiptHandle) }
        deletions.append(DeleteMessageBatchEntry(id: "bogus", receiptHandle: "not-a-receipt-handle"))
        let deleted = try await sqs.deleteMessageBatch(queueUrl: url, entries: deletions)
        #expect(deleted.successful.count == 9)
        #expect(deleted.failed.map(\.id) == ["bogus"])
        #expect(deleted.failed.first?.code == "ReceiptHandleIsInvalid")
        try await sqs.deleteQueue(queueUrl: url)
    }

    @Test("limits are checked before anything is sent")
    func limits() async throws {
        let url = "\(Moto.authURL!)/123456789012/never-created"
        let eleven = (0..<11).map { SendMessageBatchEntry(id: "e\($0)", messageBody: "x") }
        await #expect(throws: SQSLimitViolation.self) { try await sqs.sendMessageBatch(queueUrl: url, entries: eleven) }
        let duplicate = [SendMessageBatchEntry(id: "a", messageBody: "x"), SendMessageBatchEntry(id: "a", messageBody: "y")]
        await #expect(throws: SQSLimitViolation.self) { try await sqs.sendMessageBatch(queueUrl: url, entries: duplicate) }
        let huge = String(repeating: "x", count: SQSClient.maxMessageBytes + 1)
        let error = await #expect(throws: SQSLimitViolation.self) { try await sqs.sendMessage(queueUrl: url, body: huge) }
        #expect(error?.description.contains("at most 1048576") == true)
        await #expect(throws: SQSLimitViolation.self) { try await sqs.receiveMessage(queueUrl: url, maxMessages: 11) }
        await #expect(throws: SQSLimitViolation.self) { try await sqs.receiveMessage(queueUrl: url, waitSeconds: 21) }
        await #expect(throws: SQSLimitViolation.self) { try await sqs.sendMessage(queueUrl: url, body: "bad \u{1}") }
    }

    @Test("a wrong secret is refused by the server's signature check")
    func wrongSignatureIsRefused() async throws {
        let wrong = Credentials(accessKeyId: Moto.credentials.accessKeyId, secretAccessKey: "not-the-secret")
        let sqs = Moto.sqs(credentials: wrong)
        let error = await #expect(throws: AWSServiceError.self) { _ = try await sqs.listQueues() }
        #expect(error?.code == "SignatureDoesNotMatch")
        #expect(error?.description.contains("not-the-secret") == false)
    }

    @Test("boto3 reads what AWSKit sends and AWSKit reads what boto3 sends")
    func interoperability() async throws {
        let url = try await sqs.createQueue(name: Moto.uniqueName("interop"))
        let body = #"{"key":"a+b c/ü €.jpg","emoji":"📷"}"#
        _ = try await sqs.sendMessage(queueUrl: url, body: body, attributes: ["origin": .string("awskit")])
        struct PeerMessage: Decodable {
            let body: String
            let attributes: [String: String?]
        }
        let fromPeer = try PythonPeer.runJSON(
            "boto3_peer.py", [Moto.authURL!, "receive", url], environment: Moto.peerEnvironment(), as: [PeerMessage].self)
        #expect(fromPeer.map(\.body) == [body])
        #expect(fromPeer.first?.attributes["origin"] == "awskit")

        try PythonPeer.run("boto3_peer.py", [Moto.authURL!, "send-message", url, body + " from boto3"], environment: Moto.peerEnvironment())
        let received = try await sqs.receiveMessage(queueUrl: url, waitSeconds: 2)
        #expect(received.map(\.body) == [body + " from boto3"])
        #expect(received.first?.messageAttributes?["origin"]?.stringValue == "boto3")
        try await sqs.deleteQueue(queueUrl: url)
    }
}
