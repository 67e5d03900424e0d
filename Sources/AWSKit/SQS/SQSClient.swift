import Foundation

/// Amazon SQS over its JSON 1.0 protocol: `POST /` with `X-Amz-Target: AmazonSQS.<Operation>`.
/// Limits are checked before sending, so a request SQS would refuse fails here with a clear error.
public struct SQSClient: Sendable {
    public let client: AWSClient
    public let endpoint: Endpoint

    /// The largest message SQS accepts (body plus attributes), and the largest batch.
    public static let maxMessageBytes = 1_048_576
    public static let maxBatchEntries = 10

    public init(client: AWSClient, endpoint: Endpoint) {
        self.client = client
        self.endpoint = endpoint
    }

    // MARK: Queues

    /// Creates a queue (or returns the URL of an existing one with the same attributes).
    public func createQueue(name: String, attributes: [String: String] = [:], tags: [String: String] = [:]) async throws -> String {
        var body: [String: JSONValue] = ["QueueName": .string(name)]
        if !attributes.isEmpty { body["Attributes"] = .object(attributes.mapValues(JSONValue.string)) }
        if !tags.isEmpty { body["tags"] = .object(tags.mapValues(JSONValue.string)) }
        struct Output: Decodable { let QueueUrl: String }
        return try await call("CreateQueue", body, resource: name, as: Output.self).QueueUrl
    }

    public func getQueueUrl(name: String, ownerAccountId: String? = nil) async throws -> String {
        var body: [String: JSONValue] = ["QueueName": .string(name)]
        if let ownerAccountId { body["QueueOwnerAWSAccountId"] = .string(ownerAccountId) }
        struct Output: Decodable { let QueueUrl: String }
        return try await call("GetQueueUrl", body, resource: name, as: Output.self).QueueUrl
    }

    public func getQueueAttributes(queueUrl: String, names: [String] = ["All"]) async throws -> [String: String] {
        struct Output: Decodable { let Attributes: [String: String]? }
        let body: [String: JSONValue] = ["QueueUrl": .string(queueUrl), "AttributeNames": .array(names.map(JSONValue.string))]
        return try await call("GetQueueAttributes", body, resource: queueUrl, as: Output.self).Attributes ?? [:]
    }

    public func setQueueAttributes(queueUrl: String, attributes: [String: String]) async throws {
        let body: [String: JSONValue] = ["QueueUrl": .string(queueUrl), "Attributes": .object(attributes.mapValues(JSONValue.string))]
        try await callIgnoringOutput("SetQueueAttributes", body, resource: queueUrl)
    }

    /// One page of queue URLs; pass the returned token back for the next page.
    public func listQueues(prefix: String? = nil, maxResults: Int? = nil, nextToken: String? = nil) async throws -> (
        urls: [String], nextToken: String?
    ) {
        var body: [String: JSONValue] = [:]
        if let prefix { body["QueueNamePrefix"] = .string(prefix) }
        if let maxResults { body["MaxResults"] = .int(maxResults) }
        if let nextToken { body["NextToken"] = .string(nextToken) }
        struct Output: Decodable {
            let QueueUrls: [String]?
            let NextToken: String?
        }
        let output = try await call("ListQueues", body, resource: nil, as: Output.self)
        return (output.QueueUrls ?? [], output.NextToken)
    }

    public func deleteQueue(queueUrl: String) async throws {
        try await callIgnoringOutput("DeleteQueue", ["QueueUrl": .string(queueUrl)], resource: queueUrl)
    }

    public func purgeQueue(queueUrl: String) async throws {
        try await callIgnoringOutput("PurgeQueue", ["QueueUrl": .string(queueUrl)], resource: queueUrl)
    }

    // MARK: Messages

    public func sendMessage(
        queueUrl: String, body messageBody: String, delaySeconds: Int? = nil,
        attributes: [String: MessageAttributeValue] = [:], groupId: String? = nil, deduplicationId: String? = nil
    ) async throws -> SendMessageResult {
        try SQSLimits.checkMessage(body: messageBody, attributes: attributes, delaySeconds: delaySeconds)
        var body: [String: JSONValue] = ["QueueUrl": .string(queueUrl), "MessageBody": .string(messageBody)]
        if let delaySeconds { body["DelaySeconds"] = .int(delaySeconds) }
        if !attributes.isEmpty { body["MessageAttributes"] = Self.encode(attributes) }
        if let groupId { body["MessageGroupId"] = .string(groupId) }
        if let deduplicationId { body["MessageDeduplicationId"] = .string(deduplicationId) }
        let result = try await call("SendMessage", body, resource: queueUrl, as: SendMessageResult.self)
        try SQSLimits.checkDigest(result.md5OfMessageBody, of: messageBody, what: "sent message \(result.messageId)")
        return result
    }

    /// Sends up to 10 messages; entries SQS refused come back in `failed` (the call itself succeeds).
    public func sendMessageBatch(queueUrl: String, entries: [SendMessageBatchEntry]) async throws -> BatchResult<
        SendMessageBatchResultEntry
    > {
        try SQSLimits.checkBatch(ids: entries.map(\.id))
        var total = 0
        for entry in entries {
            try SQSLimits.checkMessage(
                body: entry.messageBody, attributes: entry.messageAttributes ?? [:], delaySeconds: entry.delaySeconds)
            total += SQSLimits.size(body: entry.messageBody, attributes: entry.messageAttributes ?? [:])
        }
        guard total <= Self.maxMessageBytes else {
            throw SQSLimitViolation("a batch's messages add up to \(total) bytes; SQS takes at most \(Self.maxMessageBytes)")
        }
        let list: [JSONValue] = entries.map { entry in
            var item: [String: JSONValue] = ["Id": .string(entry.id), "MessageBody": .string(entry.messageBody)]
            if let delay = entry.delaySeconds { item["DelaySeconds"] = .int(delay) }
            if let attributes = entry.messageAttributes, !attributes.isEmpty { item["MessageAttributes"] = Self.encode(attributes) }
            if let groupId = entry.messageGroupId { item["MessageGroupId"] = .string(groupId) }
            if let dedup = entry.messageDeduplicationId { item["MessageDeduplicationId"] = .string(dedup) }
            return .object(item)
        }
        let body: [String: JSONValue] = ["QueueUrl": .string(queueUrl), "Entries": .array(list)]
        let result = try await call(
            "SendMessageBatch", body, resource: queueUrl, as: BatchResult<SendMessageBatchResultEntry>.self)
        for sent in result.successful {
            if let entry = entries.first(where: { $0.id == sent.id }) {
                try SQSLimits.checkDigest(sent.md5OfMessageBody, of: entry.messageBody, what: "batch entry \(sent.id)")
            }
        }
        return result
    }

    /// Receives up to `maxMessages` (1 to 10), waiting up to `waitSeconds` (0 to 20) for the first.
    /// Each message's `queueUrl` is `queueUrl`.
    /// - Parameters:
    ///   - systemAttributes: system attributes to return (`All`, `ApproximateReceiveCount`, ...).
    ///   - messageAttributes: message attribute names to return (`All`).
    public func receiveMessage(
        queueUrl: String, maxMessages: Int = 1, waitSeconds: Int = 0, visibilityTimeout: Int? = nil,
        systemAttributes: [String] = ["All"], messageAttributes: [String] = ["All"]
    ) async throws -> [SQSMessage] {
        guard (1...10).contains(maxMessages) else {
            throw SQSLimitViolation("ReceiveMessage takes 1 to 10 messages, not \(maxMessages)")
        }
        guard (0...20).contains(waitSeconds) else {
            throw SQSLimitViolation("ReceiveMessage waits 0 to 20 seconds, not \(waitSeconds)")
        }
        if let visibilityTimeout { try SQSLimits.checkVisibility(visibilityTimeout) }
        var body: [String: JSONValue] = [
            "QueueUrl": .string(queueUrl), "MaxNumberOfMessages": .int(maxMessages), "WaitTimeSeconds": .int(waitSeconds),
            "MessageSystemAttributeNames": .array(systemAttributes.map(JSONValue.string)),
            "MessageAttributeNames": .array(messageAttributes.map(JSONValue.string)),
        ]
        if let visibilityTimeout { body["VisibilityTimeout"] = .int(visibilityTimeout) }
        struct Output: Decodable { let Messages: [SQSMessage]? }
        // A long poll holds the connection for up to `waitSeconds`: allow that plus a margin.
        var messages = try await call(
            "ReceiveMessage", body, resource: queueUrl, as: Output.self, timeout: TimeInterval(waitSeconds) + 15
        ).Messages ?? []
        for index in messages.indices {
            try SQSLimits.checkDigest(messages[index].md5OfBody, of: messages[index].body, what: "received message \(messages[index].messageId)")
            messages[index].queueUrl = queueUrl
        }
        return messages
    }

    public func deleteMessage(queueUrl: String, receiptHandle: String) async throws {
        let body: [String: JSONValue] = ["QueueUrl": .string(queueUrl), "ReceiptHandle": .string(receiptHandle)]
        try await callIgnoringOutput("DeleteMessage", body, resource: queueUrl)
    }

    public func deleteMessageBatch(queueUrl: String, entries: [DeleteMessageBatchEntry]) async throws -> BatchResult<BatchResultId> {
        try SQSLimits.checkBatch(ids: entries.map(\.id))
        let list: [JSONValue] = entries.map { ["Id": .string($0.id), "ReceiptHandle": .string($0.receiptHandle)] }
        let body: [String: JSONValue] = ["QueueUrl": .string(queueUrl), "Entries": .array(list)]
        return try await call("DeleteMessageBatch", body, resource: queueUrl, as: BatchResult<BatchResultId>.self)
    }

    public func changeMessageVisibility(queueUrl: String, receiptHandle: String, visibilityTimeout: Int) async throws {
        try SQSLimits.checkVisibility(visibilityTimeout)
        let body: [String: JSONValue] = [
            "QueueUrl": .string(queueUrl), "ReceiptHandle": .string(receiptHandle), "VisibilityTimeout": .int(visibilityTimeout),
        ]
        try await callIgnoringOutput("ChangeMessageVisibility", body, resource: queueUrl)
    }

    public func changeMessageVisibilityBatch(
        queueUrl: String, entries: [ChangeMessageVisibilityBatchEntry]
    ) async throws -> BatchResult<BatchResultId> {
        try SQSLimits.checkBatch(ids: entries.map(\.id))
        for entry in entries { try SQSLimits.checkVisibility(entry.visibilityTimeout) }
        let list: [JSONValue] = entries.map {
            ["Id": .string($0.id), "ReceiptHandle": .string($0.receiptHandle), "VisibilityTimeout": .int($0.visibilityTimeout)]
        }
        let body: [String: JSONValue] = ["QueueUrl": .string(queueUrl), "Entries": .array(list)]
        return try await call("ChangeMessageVisibilityBatch", body, resource: queueUrl, as: BatchResult<BatchResultId>.self)
    }

    // MARK: Wire

    static func encode(_ attributes: [String: MessageAttributeValue]) -> JSONValue {
        .object(
            attributes.mapValues { value in
                var item: [String: JSONValue] = ["DataType": .string(value.dataType)]
                if let string = value.stringValue { item["StringValue"] = .string(string) }
                if let binary = value.binaryValue { item["BinaryValue"] = .string(binary.base64EncodedString()) }
                return .object(item)
            })
    }

    private var wire: JSONProtocol {
        JSONProtocol(
            client: client, endpoint: endpoint, service: "SQS", signingName: "sqs", targetPrefix: "AmazonSQS",
            parseError: SQSErrorParser.parse)
    }

    private func callIgnoringOutput(_ operation: String, _ body: [String: JSONValue], resource: String?) async throws {
        _ = try await wire.send(operation, body, resource: resource)
    }

    private func call<Output: Decodable>(
        _ operation: String, _ body: [String: JSONValue], resource: String?, as type: Output.Type, timeout: TimeInterval = 30
    ) async throws -> Output {
        try await wire.call(operation, body, resource: resource, as: type, timeout: timeout)
    }
}
