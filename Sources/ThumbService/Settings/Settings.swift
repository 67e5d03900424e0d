import Foundation
import Imaging

/// Every setting of thumbd and its tools, resolved from flags, then the environment, then the config
/// file (`KEY=VALUE`, the same names). `config/thumbd.conf.example` documents each key.
public struct Settings: Sendable {
    /// Where a setting's value came from, for the start-up line.
    public struct Source: Sendable {
        public var flags: [String: String]
        public var environment: [String: String]
        public var file: [String: String]

        public init(flags: [String: String] = [:], environment: [String: String], file: [String: String] = [:]) {
            self.flags = flags
            self.environment = environment
            self.file = file
        }

        public func value(_ key: String) -> String? {
            for layer in [flags, environment, file] {
                if let value = layer[key], !value.trimmingCharacters(in: .whitespaces).isEmpty { return value }
            }
            return nil
        }

        /// The environment AWSKit sees: the process's, with the file's `AWS_*` keys filling gaps.
        public var awsEnvironment: [String: String] {
            var merged = environment
            for (key, value) in file where key.hasPrefix("AWS_") && merged[key] == nil { merged[key] = value }
            return merged
        }
    }

    public struct InvalidSetting: Error, CustomStringConvertible {
        public let key: String
        public let message: String
        public init(key: String, message: String) {
            self.key = key
            self.message = message
        }
        public var description: String { "\(key): \(message)" }
    }

    public enum ACL: String, Sendable, CaseIterable {
        case publicRead = "public-read"
        case `private` = "private"
        case none = "none"
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case auto, json, text
    }

    /// The queue, as a name or a URL.
    public var queue: String?
    /// The dead-letter queue, as a name or URL; nil: found by `ServiceQueues.resolve`.
    public var deadLetterQueue: String?
    /// Where thumbnails go; default: the source bucket.
    public var outputBucket: String?
    public var keyTemplate: String
    /// Sizes for messages that carry none (S3 events).
    public var sizes: [SizeRequest]
    public var format: OutputFormat
    public var quality: Int
    /// libaom's speed for AVIF thumbnails, 0 (slowest, smallest) to 9 (`THUMBD_AVIF_SPEED`, default 5).
    public var avifSpeed: Int
    public var concurrency: Int
    public var acl: ACL
    public var cacheControl: String
    // Durations are `Duration`s, read from whole seconds (`Duration.wholeSeconds` gives them back for
    // SQS's integer parameters).
    /// The visibility timeout thumbd asks for on ReceiveMessage and extends while a job runs.
    public var visibilityTimeout: Duration
    /// The long-poll wait, 0 to 20 s.
    public var waitTime: Duration
    /// How long jobs in work may finish after SIGTERM.
    public var drainTimeout: Duration
    /// The longest one job may run before it fails as `timeout`.
    public var jobTimeout: Duration
    public var maxReceiveCount: Int
    public var limits: ImagingLimits
    /// The most memory decodes in flight may take together (admission control), in bytes.
    public var decodeMemoryBytes: Int
    /// A request that receives nothing for this long fails and is retried; above the long-poll wait.
    public var readTimeout: Duration
    public var background: (UInt8, UInt8, UInt8)
    public var logFormat: LogFormat
    public var statsInterval: Duration
    /// Endpoint override for both services (tests, LocalStack); AWS_ENDPOINT_URL_* also work.
    public var endpointURL: String?
    /// Exit 0 once no message came for this long (tests, batch runs); nil: run until a signal.
    public var exitWhenIdle: Duration?
    /// The DynamoDB table of job records (thumbd-api's jobs); nil: thumbd keeps no records.
    public var jobsTable: String?
    /// The private bucket thumbd-api stores uploaded originals in.
    public var uploadBucket: String?
    /// How long a job record (and its upload) lives after its creation (`expires_at`).
    public var jobTTL: Duration
    /// The queue of job events for webhooks (`THUMBD_EVENTS_QUEUE`, name or URL): thumbd sends to it
    /// when a job with a callback URL ends, thumbd-api delivers from it. nil: no webhooks.
    public var eventsQueue: String?

    public static let keys = [
        "THUMBD_QUEUE", "THUMBD_DLQ", "THUMBD_OUTPUT_BUCKET", "THUMBD_OUTPUT_KEY_TEMPLATE", "THUMBD_SIZES", "THUMBD_FORMAT",
        "THUMBD_QUALITY", "THUMBD_AVIF_SPEED", "THUMBD_CONCURRENCY", "THUMBD_ACL", "THUMBD_CACHE_CONTROL", "THUMBD_VISIBILITY_TIMEOUT",
        "THUMBD_WAIT_TIME", "THUMBD_DRAIN_TIMEOUT", "THUMBD_JOB_TIMEOUT", "THUMBD_MAX_RECEIVE_COUNT", "THUMBD_MAX_INPUT_MB",
        "THUMBD_DECODE_MEMORY_MB", "THUMBD_READ_TIMEOUT", "THUMBD_MAX_MEGAPIXELS", "THUMBD_MAX_OUTPUT_SIDE", "THUMBD_BACKGROUND", "THUMBD_LOG_FORMAT", "THUMBD_STATS_INTERVAL",
        "THUMBD_ENDPOINT_URL", "THUMBD_EXIT_WHEN_IDLE", "THUMBD_JOBS_TABLE",
        "THUMBD_UPLOAD_BUCKET", "THUMBD_JOB_TTL", "THUMBD_EVENTS_QUEUE",
    ]

    public static let defaultKeyTemplate = "{dir}{name}-{width}x{height}.{ext}"

    /// Resolves and checks every setting.
    /// - Throws: `InvalidSetting` naming the first bad key and what it should be.
    public init(_ source: Source) throws {
        func string(_ key: String) -> String? { source.value(key) }
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = string(key) else { return fallback }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw InvalidSetting(key: key, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(text)\"")
            }
            return value
        }
        func seconds(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Duration {
            .seconds(try int(key, fallback, range))
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ fallback: T) throws -> T where T.RawValue == String {
            guard let text = string(key) else { return fallback }
            guard let value = T(rawValue: text.lowercased()) else {
                throw InvalidSetting(key: key, message: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
            }
            return value
        }

        queue = string("THUMBD_QUEUE")
        deadLetterQueue = string("THUMBD_DLQ")
        outputBucket = string("THUMBD_OUTPUT_BUCKET")
        keyTemplate = string("THUMBD_OUTPUT_KEY_TEMPLATE") ?? Self.defaultKeyTemplate
        try KeyTemplate.validate(keyTemplate)
        format = try choice("THUMBD_FORMAT", OutputFormat.jpeg)
        quality = try int("THUMBD_QUALITY", 85, 1...100)
        avifSpeed = try int("THUMBD_AVIF_SPEED", AVIFEncoder.defaultSpeed, AVIFEncoder.speeds)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        concurrency = try int("THUMBD_CONCURRENCY", max(1, cores), 1...256)
        acl = try choice("THUMBD_ACL", ACL.publicRead)
        cacheControl = string("THUMBD_CACHE_CONTROL") ?? "public, max-age=31536000, immutable"
        visibilityTimeout = try seconds("THUMBD_VISIBILITY_TIMEOUT", 60, 10...43200)
        waitTime = try seconds("THUMBD_WAIT_TIME", 20, 0...20)
        drainTimeout = try seconds("THUMBD_DRAIN_TIMEOUT", 25, 0...3600)
        jobTimeout = try seconds("THUMBD_JOB_TIMEOUT", 300, 5...43200)
        maxReceiveCount = try int("THUMBD_MAX_RECEIVE_COUNT", 5, 1...1000)
        let maxOutputSide = try int("THUMBD_MAX_OUTPUT_SIDE", 8192, 16...65535)
        limits = ImagingLimits(
            maxInputBytes: try int("THUMBD_MAX_INPUT_MB", 64, 1...4096) << 20,
            maxPixels: try int("THUMBD_MAX_MEGAPIXELS", 100, 1...10000) * 1_000_000, maxOutputSide: maxOutputSide)
        decodeMemoryBytes = try int("THUMBD_DECODE_MEMORY_MB", 1024, 16...1_048_576) << 20
        readTimeout = try seconds("THUMBD_READ_TIMEOUT", 60, 2...3600)
        guard readTimeout > waitTime else {
            throw InvalidSetting(
                key: "THUMBD_READ_TIMEOUT",
                message: "must be longer than THUMBD_WAIT_TIME (\(waitTime.wholeSeconds) s): a long poll sends nothing while it waits")
        }
        do {
            sizes = try SizeRequest.parseList(string("THUMBD_SIZES") ?? "400x400", maxSide: maxOutputSide)
        } catch let error as JobError {
            throw InvalidSetting(key: "THUMBD_SIZES", message: error.message)
        }
        let backgroundText = string("THUMBD_BACKGROUND") ?? "ffffff"
        guard backgroundText.count == 6, let rgb = UInt32(backgroundText, radix: 16) else {
            throw InvalidSetting(key: "THUMBD_BACKGROUND", message: "must be six hex digits (RRGGBB), not \"\(backgroundText)\"")
        }
        background = (UInt8(rgb >> 16 & 0xFF), UInt8(rgb >> 8 & 0xFF), UInt8(rgb & 0xFF))
        logFormat = try choice("THUMBD_LOG_FORMAT", LogFormat.auto)
        statsInterval = try seconds("THUMBD_STATS_INTERVAL", 60, 1...86400)
        endpointURL = string("THUMBD_ENDPOINT_URL")
        exitWhenIdle = try string("THUMBD_EXIT_WHEN_IDLE").map { _ in try seconds("THUMBD_EXIT_WHEN_IDLE", 0, 0...86400) }
        jobsTable = string("THUMBD_JOBS_TABLE")
        uploadBucket = string("THUMBD_UPLOAD_BUCKET")
        jobTTL = try seconds("THUMBD_JOB_TTL", 604_800, 1...31_536_000)
        eventsQueue = string("THUMBD_EVENTS_QUEUE")
    }

    /// The queue setting, or a clear error for the tools that need one.
    /// - Throws: `InvalidSetting` for `THUMBD_QUEUE` when none is set.
    public func requireQueue() throws -> String {
        guard let queue else {
            throw InvalidSetting(key: "THUMBD_QUEUE", message: "no queue: set THUMBD_QUEUE, --queue, or THUMBD_QUEUE= in the config file")
        }
        return queue
    }

    /// The effective settings, for the start-up log line (no secrets are settings).
    public var summary: [String: String] {
        [
            "queue": queue ?? "-", "dlq": deadLetterQueue ?? "(found from the queue)", "output_bucket": outputBucket ?? "(source bucket)",
            "key_template": keyTemplate, "sizes": sizes.map(\.description).joined(separator: ","), "format": format.rawValue,
            "quality": "\(quality)", "avif_speed": "\(avifSpeed)", "concurrency": "\(concurrency)", "acl": acl.rawValue, "visibility_timeout_s": "\(visibilityTimeout.wholeSeconds)",
            "wait_time_s": "\(waitTime.wholeSeconds)", "drain_timeout_s": "\(drainTimeout.wholeSeconds)",
            "job_timeout_s": "\(jobTimeout.wholeSeconds)",
            "max_input_bytes": "\(limits.maxInputBytes)", "max_pixels": "\(limits.maxPixels)",
            "decode_memory_bytes": "\(decodeMemoryBytes)", "read_timeout_s": "\(readTimeout.wholeSeconds)",
            "endpoint": endpointURL ?? "aws", "jobs_table": jobsTable ?? "-",
        ]
    }
}

extension Duration {
    /// The duration in whole seconds, rounded down: what SQS's integer parameters take
    /// (`VisibilityTimeout`, `WaitTimeSeconds`).
    public var wholeSeconds: Int { Int(components.seconds) }
}
