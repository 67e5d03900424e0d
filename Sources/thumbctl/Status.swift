import AWSKit
import ArgumentParser
import Foundation
import ThumbCommandLine
import ThumbService

/// `thumbctl status`: how many messages wait, are in work and are delayed, in each queue (the priority
/// queues that exist, the queue, the DLQ, and the events queue of webhooks when set).
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show visible, in-flight and delayed messages of the queue and its DLQ, and the buckets watched.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let (settings, clients, queues) = try await options.loadWithQueues()
        func row(_ cells: [String]) -> String {
            let widths = [6, 9, 10, 8]
            return zip(cells, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
                + "  " + cells[4]
        }
        print(row(["", "visible", "in-flight", "delayed", "url"]))
        let rows: [(String, String?)] =
            [("high", queues.url(for: .high)), ("queue", queues.url), ("low", queues.url(for: .low))].filter { $0.1 != nil }
            + [("dlq", queues.deadLetterURL)]
            + (queues.eventsURL.map { [("events", $0)] } ?? [])
        for (label, url) in rows {
            guard let url else {
                print(row([label, "-", "-", "-", "none (\(ServiceQueues.NoDeadLetterQueue(queueURL: queues.url)))"]))
                continue
            }
            let attributes = try await clients.sqs.getQueueAttributes(
                queueUrl: url,
                names: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"])
            let found = label == "dlq" ? "  (from \(queues.deadLetterSource?.rawValue ?? "?"))" : ""
            print(row([
                label, attributes["ApproximateNumberOfMessages"] ?? "?", attributes["ApproximateNumberOfMessagesNotVisible"] ?? "?",
                attributes["ApproximateNumberOfMessagesDelayed"] ?? "?", url + found,
            ]))
        }
        await printWatched(settings: settings, clients: clients)
    }
}

/// The buckets `thumbctl watch` connected, with their filters (after the queues' table).
private func printWatched(settings: Settings, clients: ServiceClients) async {
    do {
        let watched = try await BucketWatch(settings: settings, clients: clients).watched()
        print(watched.isEmpty ? "watched buckets: none (thumbctl watch BUCKET)" : "watched buckets:")
        for entry in watched {
            if let error = entry.error {
                print("  s3://\(entry.bucket)  (its notification configuration cannot be read: \(error))")
            } else if entry.configurations.isEmpty {
                print("  s3://\(entry.bucket)  (the policy allows it, but the bucket has no entry of ours: run thumbctl watch again)")
            } else {
                print("  s3://\(entry.bucket)  " + entry.configurations.map(BucketWatch.describe).joined(separator: ", "))
            }
        }
    } catch {
        print("watched buckets: unknown (\(error))")
    }
}

/// `thumbctl dlq list` and `thumbctl dlq redrive`.
struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "Inspect or redrive the dead-letter queue.", subcommands: [List.self, Redrive.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each dead message and why it died, without consuming it.")
        @OptionGroup var options: ServiceOptions

        func run() async throws {
            let (_, clients, queues) = try await options.loadWithQueues()
            let url = try queues.requireDeadLetterURL()
            let messages = try await DeadLetters.collect(clients.sqs, url)
            for message in messages {
                let attributes = message.messageAttributes ?? [:]
                print("\(message.messageId)  \(attributes["thumbd.error_code"]?.stringValue ?? "(redriven by SQS)")  receives: \(attributes["thumbd.receive_count"]?.stringValue ?? message.attributes?["ApproximateReceiveCount"] ?? "?")")
                if let reason = attributes["thumbd.error_message"]?.stringValue { print("  reason: \(reason)") }
                print("  body:   \(message.body.prefix(300))")
            }
            // Visible again at once: listing consumes nothing.
            try await clients.sqs.changeMessageVisibility(queueUrl: url, messages: messages, visibilityTimeout: 0)
            print("\(messages.count) message(s)")
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move every dead message back to the queue it died in (a failed job record it names goes back to pending).")
        @OptionGroup var options: ServiceOptions

        func run() async throws {
            let (settings, clients, queues) = try await options.loadWithQueues()
            let dlqURL = try queues.requireDeadLetterURL()
            let queueURL = queues.url
            let store = clients.jobStore(settings: settings)
            let parser = JobMessageParser(defaultSizes: settings.sizes, maxSide: settings.limits.maxOutputSide)
            var moved = 0
            var reopened = 0
            while true {
                // A 3 s long poll outlasts a worker's 2 s peek at the queue (DeadLetterWatch), so no
                // message it is looking at is taken for an empty queue.
                let messages = try await clients.sqs.receiveMessage(
                    queueUrl: dlqURL, maxMessages: 10, waitSeconds: DeadLetterWatchTiming.longerThanPeek, visibilityTimeout: 60)
                if messages.isEmpty { break }
                // The record first: were the message sent first, a worker could take it while the
                // record is still failed, and skip it as finished.
                if let store {
                    for message in messages {
                        guard case .jobs(let jobs)? = try? parser.parse(message.body) else { continue }
                        for id in jobs.compactMap(\.recordId) {
                            do {
                                try await store.redrive(id)
                                reopened += 1
                            } catch is JobStore.Conflict {}  // not failed (cancelled, gone): the worker will skip it
                        }
                    }
                }
                // Back to the priority queue it died in (thumbd's `thumbd.source_queue`), else the queue.
                let jobQueues = Set(queues.jobQueues.map(\.url))
                let byQueue = Dictionary(grouping: messages.indices) { index in
                    messages[index].messageAttributes?["thumbd.source_queue"]?.stringValue.flatMap { jobQueues.contains($0) ? $0 : nil } ?? queueURL
                }
                for (target, indices) in byQueue {
                    let entries = indices.map { SendMessageBatchEntry(id: "r\($0)", messageBody: messages[$0].body) }
                    let sent = try await clients.sqs.sendMessageBatch(queueUrl: target, entries: entries)
                    // Only what reached the queue leaves the DLQ.
                    let deletions = sent.successful.map { entry in
                        DeleteMessageBatchEntry(id: entry.id, receiptHandle: messages[Int(entry.id.dropFirst())!].receiptHandle)
                    }
                    if !deletions.isEmpty { _ = try await clients.sqs.deleteMessageBatch(queueUrl: dlqURL, entries: deletions) }
                    moved += deletions.count
                    for failure in sent.failed { FileHandle.standardError.write(Data("thumbctl: \(failure)\n".utf8)) }
                }
            }
            print("moved \(moved) message(s) back to their queues")
            if store != nil { print("\(reopened) failed job(s) back to pending") }
        }
    }

    /// Receives until nothing new comes back, holding each message briefly so every one is seen once.
    static func collect(_ sqs: SQSClient, _ url: String) async throws -> [SQSMessage] {
        var seen: [String: SQSMessage] = [:]
        var quiet = 0
        while quiet < 2 {
            let batch = try await sqs.receiveMessage(
                queueUrl: url, maxMessages: 10, waitSeconds: DeadLetterWatchTiming.longerThanPeek, visibilityTimeout: 30)
            let fresh = batch.filter { seen[$0.messageId] == nil }
            quiet = fresh.isEmpty ? quiet + 1 : 0
            for message in fresh { seen[message.messageId] = message }
        }
        return seen.values.sorted { ($0.attributes?["SentTimestamp"] ?? "") < ($1.attributes?["SentTimestamp"] ?? "") }
    }
}
