import ArgumentParser
import Foundation
import Logging
import ThumbAPI
import ThumbCommandLine
import ThumbService

/// thumbd-api: the web tier. Everything is in ThumbAPI; this reads the settings and runs the server.
@main
struct ThumbdAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbd-api",
        abstract: "The HTTP API of thumbd: uploads become jobs in the jobs table and messages on the queue.")

    @OptionGroup var options: ServiceOptions
    @Option(help: "Address to listen on, HOST:PORT (THUMBD_API_LISTEN, default 127.0.0.1:8080; port 0 picks one).")
    var listen: String?
    @Option(help: "keys (Authorization: Bearer, the default) or none (THUMBD_API_AUTH).") var auth: String?

    /// Unblocks SIGTERM and SIGINT on the main thread before anything else (swift-service-lifecycle
    /// handles them from there), then runs as ArgumentParser would.
    static func main() async {
        ShutdownSignal.unblockTerminationSignals()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    func run() async throws {
        let source: Settings.Source
        let settings: Settings
        let api: APISettings
        do {
            source = try options.source(adding: ["THUMBD_API_LISTEN": listen, "THUMBD_API_AUTH": auth])
            settings = try Settings(source)
            api = try APISettings(source, settings: settings)
        } catch {
            // EX_CONFIG, as thumbd: systemd's RestartPreventExitStatus=78 does not restart-loop on it.
            FileHandle.standardError.write(Data("thumbd-api: error: invalid settings: \(error)\n".utf8))
            Foundation.exit(78)
        }
        LineLogHandler.bootstrap(settings.logFormat, level: .info)
        let logger = Logger(label: "thumbd-api")
        let clients = try await ServiceClients.make(source: source, settings: settings, logger: logger)
        let queues = try await ServiceQueues.resolve(settings: settings, clients: clients)
        if api.auth == .none {
            logger.warning("authentication is off (THUMBD_API_AUTH=none): every job belongs to one anonymous owner")
        }
        for priority in JobPriority.descending where queues.url(for: priority) == nil {
            logger.warning("no \(priority.rawValue)-priority queue (thumbctl setup makes it): such jobs go to the main queue")
        }
        if queues.eventsURL == nil { logger.info("no events queue (THUMBD_EVENTS_QUEUE): jobs with a callback_url are refused") }
        let server = APIServer(settings: settings, api: api, clients: clients, queues: queues, logger: logger)
        try await server.run { port in
            // Under systemd's Type=notify: started once it listens.
            SystemdNotifier().notify("READY=1\nSTATUS=listening on \(api.host):\(port)")
            logger.info("listening", metadata: [
                "address": "\(api.host):\(port)", "queue.url": "\(queues.url)", "jobs_table": "\(api.jobsTable)",
                "events.url": "\(queues.eventsURL ?? "none")",
            ])
        }
        logger.info("stopped")
    }
}
