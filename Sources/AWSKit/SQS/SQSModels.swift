import Foundation

/// A typed message attribute (`String`, `Number`, `Binary`, or a custom `String.x` type).
public struct MessageAttributeValue: Codable, Sendable, Equatable {
    public var dataType: String
    public var stringValue: String?
    public var binaryValue: Data?

    public init(dataType: String, stringValue: String? = nil, binaryValue: Data? = nil) {
        self.dataType = dataType
        self.stringValue = stringValue
        self.binaryValue = binaryValue
    }

    public static func string(_ value: String) -> MessageAttributeValue {
        MessageAttributeValue(dataType: "String", stringValue: value)
    }

    public static func number(_ value: Int) -> MessageAttributeValue {
        MessageAttributeValue(dataType: "Number", stringValue: String(value))
    }

    /// Bytes SQS counts toward the message size limit: name, type and value.
    func size(name: String) -> Int {
        name.utf8.count + dataType.utf8.count + (stringValue?.utf8.count ?? 0) + (binaryValue?.count ?? 0)
    }

    enum CodingKeys: String, CodingKey {
        case dataType = "DataType"
        case stringValue = "StringValue"
        case binaryValue = "BinaryValue"
    }
}

/// One received message.
public struct SQSMessage: Codable, Sendable {
    public var messageId: String
    public var receiptHandle: String
    public var body: String
    public var md5OfBody: String?
    /// System attributes, e.g. `ApproximateReceiveCount`, `SentTimestamp`.
    public var attributes: [String: String]?
    public var messageAttributes: [String: MessageAttributeValue]?
    /// The queue it was received from (set by `SQSClient.receiveMessage`; not part of the wire form):
    /// deletes and visibility changes of a delivery go to the queue that handed it out.
    public var queueUrl: String? = nil

    /// How many times SQS has handed this message out, this time included (1 the first time).
    public var receiveCount: Int {
        attributes?["ApproximateReceiveCount"].flatMap { Int($0) } ?? 1
    }

    enum CodingKeys: String, CodingKey {
        case messageId = "MessageId"
        case receiptHandle = "ReceiptHandle"
        case body = "Body"
        case md5OfBody = "MD5OfBody"
        case attributes = "Attributes"
        case messageAttributes = "MessageAttributes"
    }
}

/// What SendMessage returns.
public struct SendMessageResult: Codable, Sendable {
    public var messageId: String
    public var md5OfMessageBody: String?
    public var sequenceNumber: String?

    enum CodingKeys: String, CodingKey {
        case messageId = "MessageId"
        case md5OfMessageBody = "MD5OfMessageBody"
        case sequenceNumber = "SequenceNumber"
    }
}

/// One message of a SendMessageBatch.
public struct SendMessageBatchEntry: Codable, Sendable {
    /// Unique in the batch: up to 80 letters, digits, `-` and `_`.
    public var id: String
    public var messageBody: String
    public var delaySeconds: Int?
    public var messageAttributes: [String: MessageAttributeValue]?
    public var messageGroupId: String?
    public var messageDeduplicationId: String?

    public init(
        id: String, messageBody: String, delaySeconds: Int? = nil, messageAttributes: [String: MessageAttributeValue]? = nil,
        messageGroupId: String? = nil, messageDeduplicationId: String? = nil
    ) {
        self.id = id
        self.messageBody = messageBody
        self.delaySeconds = delaySeconds
        self.messageAttributes = messageAttributes
        self.messageGroupId = messageGroupId
        self.messageDeduplicationId = messageDeduplicationId
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case messageBody = "MessageBody"
        case delaySeconds = "DelaySeconds"
        case messageAttributes = "MessageAttributes"
        case messageGroupId = "MessageGroupId"
        case messageDeduplicationId = "MessageDeduplicationId"
    }
}

/// A batch entry SQS refused, with its reason; `senderFault` means retrying it unchanged will not help.
public struct BatchResultErrorEntry: Codable, Sendable, Error, CustomStringConvertible {
    public var id: String
    public var senderFault: Bool
    public var code: String
    public var message: String?

    public var description: String { "batch entry \(id): \(code)\(message.map { ": \($0)" } ?? "")" }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case senderFault = "SenderFault"
        case code = "Code"
        case message = "Message"
    }
}

public struct SendMessageBatchResultEntry: Codable, Sendable {
    public var id: String
    public var messageId: String
    public var md5OfMessageBody: String?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case messageId = "MessageId"
        case md5OfMessageBody = "MD5OfMessageBody"
    }
}

/// The outcome of a batch call: SQS answers 200 even when some entries failed.
public struct BatchResult<Success: Codable & Sendable>: Codable, Sendable {
    public var successful: [Success]
    public var failed: [BatchResultErrorEntry]

    init(successful: [Success]?, failed: [BatchResultErrorEntry]?) {
        self.successful = successful ?? []
        self.failed = failed ?? []
    }

    enum CodingKeys: String, CodingKey {
        case successful = "Successful"
        case failed = "Failed"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        successful = try container.decodeIfPresent([Success].self, forKey: .successful) ?? []
        failed = try container.decodeIfPresent([BatchResultErrorEntry].self, forKey: .failed) ?? []
    }
}

/// The id of a batch entry that succeeded (DeleteMessageBatch, ChangeMessageVisibilityBatch).
public struct BatchResultId: Codable, Sendable {
    public var id: String

    enum CodingKeys: String, CodingKey {
        case id = "Id"
    }
}

/// A receipt handle with its batch id, for DeleteMessageBatch.
public struct DeleteMessageBatchEntry: Codable, Sendable {
    public var id: String
    public var receiptHandle: String

    public init(id: String, receiptHandle: String) {
        self.id = id
        self.receiptHandle = receiptHandle
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case receiptHandle = "ReceiptHandle"
    }
}

/// A receipt handle and its new visibility timeout, for ChangeMessageVisibilityBatch.
public struct ChangeMessageVisibilityBatchEntry: Codable, Sendable {
    public var id: String
    public var receiptHandle: String
    public var visibilityTimeout: Int

    public init(id: String, receiptHandle: String, visibilityTimeout: Int) {
        self.id = id
        self.receiptHandle = receiptHandle
        self.visibilityTimeout = visibilityTimeout
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case receiptHandle = "ReceiptHandle"
        case visibilityTimeout = "VisibilityTimeout"
    }
}
