import ArgumentParser
import ThumbService

/// The options every service command of thumbctl shares.
struct ServiceOptions: ParsableArguments {
    @Option(help: "Config file of KEY=VALUE lines (default /etc/thumbd/thumbd.conf when it exists).") var config: String?
    @Option(help: "Queue name or URL (THUMBD_QUEUE).") var queue: String?
    @Option(help: "Dead-letter queue name or URL (THUMBD_DLQ; default <queue>-dlq).") var dlq: String?
    @Option(help: "Bucket for thumbnails (THUMBD_OUTPUT_BUCKET).") var outputBucket: String?
    @Option(help: "Endpoint URL for SQS and S3 (THUMBD_ENDPOINT_URL).") var endpointUrl: String?

    func load() async throws -> (settings: Settings, clients: ServiceClients) {
        let source = try SettingsLoader.source(
            flags: ["THUMBD_QUEUE": queue, "THUMBD_DLQ": dlq, "THUMBD_OUTPUT_BUCKET": outputBucket, "THUMBD_ENDPOINT_URL": endpointUrl],
            configPath: config)
        let settings = try Settings(source)
        return (settings, try await ServiceClients.make(source: source, settings: settings))
    }
}

extension Settings {
    /// The dead-letter queue's name: THUMBD_DLQ, or `<queue>-dlq`.
    func deadLetterQueueName() throws -> String {
        if let dlq = deadLetterQueue { return ServiceClients.queueName(dlq) }
        return ServiceClients.queueName(try requireQueue()) + "-dlq"
    }
}
