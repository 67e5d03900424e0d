import AWSKit

/// The one way the worker deletes messages: receipt handles are collected and deleted ten to a
/// request (DeleteMessageBatch), at once when ten are waiting, else `maxDelay` after the first of a
/// batch arrived (a timer the first one starts; nothing runs while nothing waits). Each message is
/// deleted from the queue it came from (`SQSMessage.queueUrl`).
actor DeleteBatcher {
    private let sqs: SQSClient
    /// The queue of messages that do not name theirs.
    private let defaultQueueURL: String
    private let maxDelay: Duration
    private var pending: [SQSMessage] = []
    private var timer: Task<Void, Never>?
    private let onFailure: @Sendable (SQSMessage, String) -> Void

    /// - Parameters:
    ///   - maxDelay: the longest a delete waits for nine others.
    ///   - onFailure: called for each message not deleted, with the reason (it comes back and its job
    ///     runs again, writing the same outputs).
    init(sqs: SQSClient, defaultQueueURL: String, maxDelay: Duration = .milliseconds(200), onFailure: @escaping @Sendable (SQSMessage, String) -> Void) {
        self.sqs = sqs
        self.defaultQueueURL = defaultQueueURL
        self.maxDelay = maxDelay
        self.onFailure = onFailure
    }

    /// Queues one delivery's deletion; returns before it is sent.
    func delete(_ message: SQSMessage) async {
        pending.append(message)
        if pending.count >= SQSClient.maxBatchEntries {
            await flush()
        } else if timer == nil {
            timer = Task { [maxDelay] in
                try? await Task.sleep(for: maxDelay)
                if !Task.isCancelled { await self.timerFired() }
            }
        }
    }

    private func timerFired() async {
        timer = nil
        await flush()
    }

    /// Sends every pending deletion now (also at shutdown).
    func flush() async {
        timer?.cancel()
        timer = nil
        while let queueURL = pending.first.map({ $0.queueUrl ?? defaultQueueURL }) {
            let batch = Array(pending.lazy.filter { ($0.queueUrl ?? self.defaultQueueURL) == queueURL }.prefix(SQSClient.maxBatchEntries))
            let taken = Set(batch.map(\.receiptHandle))
            pending.removeAll { taken.contains($0.receiptHandle) }
            let entries = batch.enumerated().map { DeleteMessageBatchEntry(id: "m\($0.offset)", receiptHandle: $0.element.receiptHandle) }
            do {
                let result = try await sqs.deleteMessageBatch(queueUrl: queueURL, entries: entries)
                for failure in result.failed {
                    if let index = Int(failure.id.dropFirst()), index < batch.count { onFailure(batch[index], failure.description) }
                }
            } catch {
                for message in batch { onFailure(message, "\(error)") }
            }
        }
    }
}
