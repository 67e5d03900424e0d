/// Batch operations over any number of messages, ten to a request (the SQS batch limit).
extension SQSClient {
    /// Sets the visibility timeout of every message (0 makes them visible again at once).
    /// - Returns: the entries SQS refused, for example a receipt handle that expired.
    @discardableResult
    public func changeMessageVisibility(
        queueUrl: String, messages: [SQSMessage], visibilityTimeout: Int
    ) async throws -> [BatchResultErrorEntry] {
        var refused: [BatchResultErrorEntry] = []
        for start in stride(from: 0, to: messages.count, by: Self.maxBatchEntries) {
            let chunk = messages[start..<min(start + Self.maxBatchEntries, messages.count)]
            let entries = chunk.enumerated().map {
                ChangeMessageVisibilityBatchEntry(
                    id: "m\($0.offset)", receiptHandle: $0.element.receiptHandle, visibilityTimeout: visibilityTimeout)
            }
            refused += try await changeMessageVisibilityBatch(queueUrl: queueUrl, entries: entries).failed
        }
        return refused
    }
}
