import ArgumentParser
import ThumbService

/// The options thumbd, thumb-submit and thumbctl share, as one `@OptionGroup`: where the settings
/// come from and which queues and endpoint to use. Each flag overrides the `THUMBD_*` variable of the
/// same name, which overrides the config file's line.
public struct ServiceOptions: ParsableArguments {
    @Option(help: "Config file of KEY=VALUE lines (default /etc/thumbd/thumbd.conf when it exists).")
    public var config: String?
    @Option(help: "Queue name or URL (THUMBD_QUEUE).")
    public var queue: String?
    @Option(help: "Dead-letter queue name or URL (THUMBD_DLQ; default: the queue's redrive target, else <queue>-dlq).")
    public var dlq: String?
    @Option(help: "Endpoint URL for SQS, S3 and DynamoDB (THUMBD_ENDPOINT_URL; AWS_ENDPOINT_URL_* also work).")
    public var endpointUrl: String?

    public init() {}

    /// The settings' layers: these flags and `more` (a command's own flags, by `THUMBD_*` key), the
    /// environment, the config file.
    /// - Throws: `ConfigFile.ParseError` or a file-system error for an unreadable config file.
    public func source(adding more: [String: String?] = [:]) throws -> Settings.Source {
        var flags: [String: String?] = [
            "THUMBD_QUEUE": queue, "THUMBD_DLQ": dlq, "THUMBD_ENDPOINT_URL": endpointUrl,
        ]
        flags.merge(more) { _, new in new }
        return try SettingsLoader.source(flags: flags, configPath: config)
    }

    /// Settings and AWS clients, for the commands that talk to AWS.
    /// - Throws: as `source(adding:)`, `Settings.InvalidSetting` for a bad value or no region.
    public func load(adding more: [String: String?] = [:]) async throws -> (settings: Settings, clients: ServiceClients) {
        let source = try source(adding: more)
        let settings = try Settings(source)
        return (settings, try await ServiceClients.make(source: source, settings: settings))
    }

    /// Settings, clients and both queues (`ServiceQueues.resolve`).
    /// - Throws: as `load(adding:)`, and what `ServiceQueues.resolve` throws.
    public func loadWithQueues(adding more: [String: String?] = [:]) async throws
        -> (settings: Settings, clients: ServiceClients, queues: ServiceQueues)
    {
        let (settings, clients) = try await load(adding: more)
        return (settings, clients, try await ServiceQueues.resolve(settings: settings, clients: clients))
    }
}
