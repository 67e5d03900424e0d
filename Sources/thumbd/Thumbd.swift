import ArgumentParser
import Foundation
import Imaging
import Logging
import ThumbCommandLine
import ThumbService

@main
struct Thumbd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbd",
        abstract: "The thumbnail worker: long-polls an SQS queue, thumbnails S3 images, uploads the results.",
        discussion: """
            Settings come from flags, then the environment (THUMBD_*, AWS_*), then the config file (KEY=VALUE lines
            with the same names; --config, default /etc/thumbd/thumbd.conf). SIGTERM or SIGINT: stop receiving,
            finish jobs in work for up to --drain-timeout, make the rest visible again, exit 0.
            """)

    @OptionGroup var options: ServiceOptions
    @Option(help: "Bucket for thumbnails (THUMBD_OUTPUT_BUCKET; default: the source bucket).") var outputBucket: String?
    @Option(help: "Output key template (THUMBD_OUTPUT_KEY_TEMPLATE).") var outputKeyTemplate: String?
    @Option(help: "Sizes for messages without any, e.g. 400x400,100x100:fill (THUMBD_SIZES).") var sizes: String?
    @Option(help: "jpeg, png, webp, webp-lossless or avif (THUMBD_FORMAT).") var format: String?
    @Option(help: "Quality 1-100 for JPEG, WebP and AVIF (THUMBD_QUALITY).") var quality: String?
    @Option(help: "AVIF encoder speed, 0 (slowest) to 9 (THUMBD_AVIF_SPEED, default 5).") var avifSpeed: String?
    @Option(help: "Jobs in flight (THUMBD_CONCURRENCY; default: cores).") var concurrency: String?
    @Option(help: "public-read, private or none (THUMBD_ACL).") var acl: String?
    @Option(help: "Seconds to finish jobs after SIGTERM (THUMBD_DRAIN_TIMEOUT, default 25).") var drainTimeout: String?
    @Option(help: "Visibility timeout of received messages, seconds (THUMBD_VISIBILITY_TIMEOUT).") var visibilityTimeout: String?
    @Option(help: "Long-poll wait, 0-20 s (THUMBD_WAIT_TIME).") var waitTime: String?
    @Option(help: "Exit 0 once the queue has been empty this many seconds (THUMBD_EXIT_WHEN_IDLE).") var exitWhenIdle: String?
    @Option(help: "auto, json or text (THUMBD_LOG_FORMAT).") var logFormat: String?
    @Flag(help: "Log every AWS request too.") var debug = false

    func run() async throws {
        let shutdown = ShutdownSignal()
        shutdown.installSignalHandlers()
        let flags: [String: String?] = [
            "THUMBD_OUTPUT_BUCKET": outputBucket,
            "THUMBD_OUTPUT_KEY_TEMPLATE": outputKeyTemplate, "THUMBD_SIZES": sizes, "THUMBD_FORMAT": format,
            "THUMBD_QUALITY": quality, "THUMBD_AVIF_SPEED": avifSpeed, "THUMBD_CONCURRENCY": concurrency, "THUMBD_ACL": acl, "THUMBD_DRAIN_TIMEOUT": drainTimeout,
            "THUMBD_VISIBILITY_TIMEOUT": visibilityTimeout, "THUMBD_WAIT_TIME": waitTime, "THUMBD_EXIT_WHEN_IDLE": exitWhenIdle,
            "THUMBD_LOG_FORMAT": logFormat,
        ]
        let source: Settings.Source
        let settings: Settings
        do {
            source = try options.source(adding: flags)
            settings = try Settings(source)
            _ = try settings.requireQueue()
        } catch {
            fatal("invalid settings: \(error)", code: 78)  // EX_CONFIG: systemd will not restart-loop on it
        }
        LineLogHandler.bootstrap(settings.logFormat, level: debug ? .trace : .info)
        let logger = Logger(label: "thumbd")
        tuneAllocatorForImageWork(maxArenas: 2)

        let notifier = SystemdNotifier()
        let clients: ServiceClients
        let queues: ServiceQueues
        do {
            clients = try await ServiceClients.make(
                source: source, settings: settings, maxConnections: settings.concurrency * 3 + 4, logger: Logger(label: "thumbd.aws"))
            queues = try await ServiceQueues.resolve(settings: settings, clients: clients)
        } catch {
            fatal("cannot reach the queue \(settings.queue ?? ""): \(error)", code: 1)
        }
        var startup = settings.summary.reduce(into: Logger.Metadata()) { $0["setting.\($1.key)"] = "\($1.value)" }
        startup["queue.url"] = "\(queues.url)"
        startup["dlq.url"] = "\(queues.deadLetterURL ?? "none (permanent failures come back until a redrive policy moves them)")"
        startup["dlq.found_by"] = "\(queues.deadLetterSource?.rawValue ?? "-")"
        startup["region"] = "\(clients.region)"
        logger.info("started", metadata: startup)
        // libheif was once linked, and a host without it could not start thumbd; loaded on first use, it
        // is checked here, so that such a host still does not take jobs (its HEIC jobs would be
        // refused as unsupported_format, a failure that is the host's, not the job's).
        if let failure = CodecSupport.libheifLoadFailure {
            fatal("libheif cannot be loaded: \(failure) (requirements-ec2.sh installs it)", code: 1)
        }
        let missingCodecs = CodecSupport.missing
        if !missingCodecs.isEmpty {
            logger.warning(
                "codecs missing: those jobs will fail as unsupported_format or encode_failed",
                metadata: ["missing": "\(missingCodecs.joined(separator: "; "))", "fix": "requirements-ec2.sh installs them"])
        }
        notifier.notify("READY=1\nSTATUS=polling \(queues.url)")
        shutdown.onTrigger { notifier.notify("STOPPING=1") }
        let worker = Worker(settings: settings, clients: clients, queues: queues, logger: logger)
        // Fed at half the interval systemd asked for, and only while the receive loop goes round (it
        // does at least once per long poll): a stuck worker is restarted by systemd.
        let watchdog = Task {
            guard let interval = SystemdNotifier.watchdogInterval() else { return }
            while !Task.isCancelled {
                if worker.isMakingProgress(within: max(.seconds(interval / 2), settings.waitTime + .seconds(20))) {
                    notifier.notify("WATCHDOG=1")
                } else {
                    logger.error("the receive loop is stuck; not feeding the watchdog")
                }
                try? await Task.sleep(for: .seconds(interval / 2))
            }
        }
        await worker.run(shutdown: shutdown)
        watchdog.cancel()
    }

    private func fatal(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("thumbd: error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
