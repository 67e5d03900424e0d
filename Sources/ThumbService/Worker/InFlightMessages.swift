import AWSKit
import Synchronization

/// The messages being worked on: the heartbeat extends their visibility, a shutdown that cannot wait
/// for them makes them visible again, and the receive loop counts free slots from them.
final class InFlightMessages: Sendable {
    private let messages = Mutex<[String: SQSMessage]>([:])

    var count: Int { messages.withLock { $0.count } }
    var all: [SQSMessage] { messages.withLock { Array($0.values) } }

    func add(_ message: SQSMessage) {
        messages.withLock { $0[message.messageId] = message }
    }

    func remove(_ message: SQSMessage) {
        _ = messages.withLock { $0.removeValue(forKey: message.messageId) }
    }
}

/// Collects receipt handles and deletes them ten to a request (DeleteMessageBatch), at once when ten
/// are waiting and otherwise after a short delay.
actor DeleteBatcher {
    private let sqs: SQSClient
    private let queueURL: String
    private var pending: [SQSMessage] = []
    private let onFailure: @Sendable (SQSMessage, String) -> Void

    init(sqs: SQSClient, queueURL: String, onFailure: @escaping @Sendable (SQSMessage, String) -> Void) {
        self.sqs = sqs
        self.queueURL = queueURL
        self.onFailure = onFailure
    }

    func delete(_ message: SQSMessage) async {
        pending.append(message)
        if pending.count >= SQSClient.maxBatchEntries { await flush() }
    }

    func flush() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(SQSClient.maxBatchEntries))
            pending.removeFirst(batch.count)
            let entries = batch.enumerated().map { DeleteMessageBatchEntry(id: "m\($0.offset)", receiptHandle: $0.element.receiptHandle) }
            do {
                let result = try await sqs.deleteMessageBatch(queueUrl: queueURL, entries: entries)
                for failure in result.failed {
                    if let index = Int(failure.id.dropFirst()), index < batch.count { onFailure(batch[index], failure.description) }
                }
            } catch {
                // Not deleted: SQS hands them out again and the job runs twice, writing the same outputs.
                for message in batch { onFailure(message, "\(error)") }
            }
        }
    }
}
