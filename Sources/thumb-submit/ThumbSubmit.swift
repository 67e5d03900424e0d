import AWSKit
import ArgumentParser
import Foundation
import Imaging
import ThumbCommandLine
import ThumbService

@main
struct ThumbSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumb-submit",
        abstract: "Enqueue thumbnail jobs for thumbd.",
        discussion: """
            thumb-submit --bucket cmsc389l-public --keys codelab-04/canyon.jpg --height 400 --width 400
            Prints one message id per key. The queue comes from --queue, THUMBD_QUEUE or the config file.
            """)

    @Option(help: "Source bucket.") var bucket: String
    @Option(parsing: .upToNextOption, help: "Source keys.") var keys: [String] = []
    @Option(help: "Enqueue every object under this prefix (paginated, in batches of 10).") var prefix: String?
    @Option(help: "With --prefix: resume after this key.") var startAfter: String?
    @Option(help: "Box width.") var width: Int?
    @Option(help: "Box height.") var height: Int?
    @Option(help: "Several sizes in one message: 400x400,100x100:fill.") var sizes: String?
    @Option(help: "fit, fill or force.") var mode: String?
    @Option(help: "jpeg, png, webp, webp-lossless or avif.") var format: String?
    @Option(help: "Several formats, every size in each, from one decode: avif,webp,jpeg.") var formats: String?
    @Option(help: "Quality 1-100 (JPEG, WebP, AVIF).") var quality: Int?
    @Option(help: "Bucket for the thumbnails (default: the worker's setting, else the source bucket).") var outputBucket: String?
    @Option(help: "high, normal or low: the queue <queue>-high, the queue, or <queue>-low (default normal; low with --prefix). A priority queue that does not exist: the queue, with a warning.")
    var priority: String?
    @Option(name: .customLong("wait"), help: "Wait up to SECONDS (default 120) for every output, print their URLs.")
    var waitSeconds: Int?
    @OptionGroup var options: ServiceOptions

    /// `--wait` takes an optional value: a bare `--wait` means 120 seconds.
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let index = arguments.firstIndex(of: "--wait"), index + 1 == arguments.count || arguments[index + 1].hasPrefix("-") {
            arguments.insert("120", at: index + 1)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// `--format` or `--formats`, parsed by the message parser's rules (checked in `validate`).
    private func outputFormats() throws -> [OutputFormat]? {
        if let format { return [try OutputFormat.parse(format)] }
        return try formats.map { try OutputFormat.parseList($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
    }

    func validate() throws {
        guard !keys.isEmpty || prefix != nil else { throw ValidationError("give --keys or --prefix") }
        guard sizes != nil || width != nil || height != nil else { throw ValidationError("give --width/--height or --sizes") }
        if let quality, !(1...100).contains(quality) { throw ValidationError("--quality must be 1 to 100") }
        if let mode, ResizeMode(rawValue: mode) == nil { throw ValidationError("--mode must be fit, fill or force") }
        if format != nil && formats != nil { throw ValidationError("give --format or --formats, not both") }
        do {
            _ = try outputFormats()
        } catch let error as JobError {
            throw ValidationError("--format\(formats == nil ? "" : "s"): \(error.message)")
        }
        if let priority, JobPriority(rawValue: priority) == nil { throw ValidationError("--priority must be high, normal or low") }
    }

    func run() async throws {
        let (settings, clients) = try await options.load()
        let requested: [SizeRequest]
        if let sizes {
            requested = try SizeRequest.parseList(sizes, maxSide: settings.limits.maxOutputSide)
        } else {
            requested = [SizeRequest(width: width, height: height, mode: mode.flatMap(ResizeMode.init) ?? .fit)]
        }
        // The dead-letter queue matters only to --wait, the priority queues only to a priority.
        let priority = priority.flatMap(JobPriority.init) ?? (prefix == nil ? .normal : .low)
        var queues: ServiceQueues
        if waitSeconds != nil {
            queues = try await ServiceQueues.resolve(settings: settings, clients: clients)
        } else {
            queues = ServiceQueues(url: try await clients.queueURL(try settings.requireQueue()))
            if priority != .normal { queues.priorityURLs = try await ServiceQueues.priorityURLs(queueURL: queues.url, clients: clients) }
        }
        let queueURL = queues.url(for: priority) ?? queues.url
        if queues.url(for: priority) == nil {
            let name = priority.queueName(main: ServiceClients.queueName(queues.url))
            FileHandle.standardError.write(Data("thumb-submit: warning: no queue \(name) (thumbctl setup makes it): sending to \(queues.url)\n".utf8))
        }
        try await submit(to: queueURL, queues: queues, settings: settings, clients: clients, requested: requested)
    }

    private func submit(
        to queueURL: String, queues: ServiceQueues, settings: Settings, clients: ServiceClients, requested: [SizeRequest]
    ) async throws {
        func job(_ key: String) -> Job {
            Job(bucket: bucket, key: key, sizes: requested, outputBucket: outputBucket, formats: try! outputFormats(),
                quality: quality)
        }

        var submitted: [(Job, String)] = []
        for key in keys {
            let message = try await clients.sqs.sendMessage(queueUrl: queueURL, body: JobEncoder.encode(job(key)))
            print(message.messageId)
            submitted.append((job(key), message.messageId))
        }
        if let prefix {
            submitted += try await submitPrefix(prefix, clients: clients, queueURL: queueURL, makeJob: job)
        }
        if let seconds = waitSeconds {
            try await wait(for: submitted, seconds: seconds, clients: clients, settings: settings, deadLetterURL: queues.deadLetterURL)
        }
    }

    /// Every object under the prefix, listed page by page and sent ten to a request.
    private func submitPrefix(
        _ prefix: String, clients: ServiceClients, queueURL: String, makeJob: (String) -> Job
    ) async throws -> [(Job, String)] {
        var sent: [(Job, String)] = []
        var batch: [Job] = []
        let started = Date()
        let progress = isatty(STDERR_FILENO) == 1
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let entries = batch.enumerated().map { SendMessageBatchEntry(id: "k\($0.offset)", messageBody: JobEncoder.encode($0.element)) }
            let result = try await clients.sqs.sendMessageBatch(queueUrl: queueURL, entries: entries)
            for entry in result.successful {
                let job = batch[Int(entry.id.dropFirst())!]
                print(entry.messageId)
                sent.append((job, entry.messageId))
            }
            for failure in result.failed {
                FileHandle.standardError.write(Data("thumb-submit: \(batch[Int(failure.id.dropFirst())!].key): \(failure)\n".utf8))
            }
            batch.removeAll()
            if progress {
                let rate = Double(sent.count) / max(0.001, Date().timeIntervalSince(started))
                FileHandle.standardError.write(Data(String(format: "\r%8d enqueued  %7.1f/s  last %@", sent.count, rate, sent.last?.0.key ?? "").utf8))
            }
        }
        for try await object in clients.s3.listAllObjects(bucket: bucket, prefix: prefix, startAfter: startAfter) {
            if object.key.hasSuffix("/") { continue }
            batch.append(makeJob(object.key))
            if batch.count == SQSClient.maxBatchEntries { try await flush() }
        }
        try await flush()
        if progress { FileHandle.standardError.write(Data("\n".utf8)) }
        return sent
    }

    /// Waits for every output object; fails when a job reached the dead-letter queue or time ran out.
    /// - Parameter deadLetterURL: where thumbd puts failed jobs (`ServiceQueues`); nil: only the
    ///   deadline ends a failed job's wait.
    private func wait(
        for jobs: [(Job, String)], seconds: Int, clients: ServiceClients, settings: Settings, deadLetterURL dlqURL: String?
    ) async throws {
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        var pending = jobs.flatMap { job, id in job.outputs(settings: settings).map { (output: $0, messageId: id) } }
        let ids = Set(jobs.map(\.1))
        while !pending.isEmpty {
            var still: [(output: (bucket: String, key: String, size: SizeRequest, format: OutputFormat), messageId: String)] = []
            for item in pending {
                if (try? await clients.s3.headObject(bucket: item.output.bucket, key: item.output.key)) != nil {
                    print(clients.s3.publicURL(bucket: item.output.bucket, key: item.output.key))
                } else {
                    still.append(item)
                }
            }
            pending = still
            if pending.isEmpty { return }
            if let dlqURL, let dead = try? await clients.sqs.receiveMessage(queueUrl: dlqURL, maxMessages: 10, visibilityTimeout: 0) {
                for message in dead {
                    if let source = message.messageAttributes?["thumbd.source_message_id"]?.stringValue, ids.contains(source) {
                        let code = message.messageAttributes?["thumbd.error_code"]?.stringValue ?? "?"
                        let reason = message.messageAttributes?["thumbd.error_message"]?.stringValue ?? ""
                        FileHandle.standardError.write(Data("thumb-submit: message \(source) went to the dead-letter queue: \(code): \(reason)\n".utf8))
                        throw ExitCode(2)
                    }
                }
            }
            if Date() > deadline {
                FileHandle.standardError.write(Data("thumb-submit: timed out; still missing: \(pending.map { "s3://\($0.output.bucket)/\($0.output.key)" }.joined(separator: " "))\n".utf8))
                throw ExitCode(3)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
