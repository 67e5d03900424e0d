import Foundation
import ThumbService

/// thumbd-api's own settings, from the same layers as thumbd's (`Settings.Source`: flags, then
/// `THUMBD_*` variables, then the config file); thumbd's settings (`Settings`) apply too.
public struct APISettings: Sendable {
    public enum AuthMode: String, Sendable, CaseIterable {
        /// `Authorization: Bearer <key>`; keys from `thumbctl api-key create`.
        case keys
        /// No authentication: every job belongs to `APISettings.anonymousOwner` (local use, demos).
        case none
    }

    /// Where to listen (`THUMBD_API_LISTEN`, `HOST:PORT`, default `127.0.0.1:8080`).
    public var host: String
    public var port: Int
    public var auth: AuthMode
    /// The largest upload accepted, in bytes (`THUMBD_API_MAX_UPLOAD_MB`; default thumbd's `THUMBD_MAX_INPUT_MB`).
    public var maxUploadBytes: Int
    /// Buckets a JSON job (`{"source": {"bucket", "key"}}`) may read (`THUMBD_API_SOURCE_BUCKETS`).
    public var sourceBuckets: Set<String>
    /// How long uploads in flight may finish after SIGTERM (`THUMBD_API_DRAIN_TIMEOUT`, default 65 s).
    public var drainTimeout: Duration
    /// Requests per second a key may make, and the burst it may save up (`THUMBD_API_RATE_LIMIT`,
    /// `RATE/BURST`, default `50/100`): a token bucket per key, per instance.
    public var rateLimit: (rate: Double, burst: Double)
    /// The job table, the upload bucket and the output bucket, all required.
    public var jobsTable: String
    public var uploadBucket: String
    public var outputBucket: String
    /// Where webhooks may go (`THUMBD_WEBHOOK_ALLOW_HTTP`, `THUMBD_WEBHOOK_ALLOW_PRIVATE`, both
    /// default false).
    public var callbackRule: CallbackURLRule
    /// The waits before each retry of a failed webhook, in seconds (`THUMBD_WEBHOOK_RETRY_DELAYS`,
    /// comma-separated; default the Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
    /// 10 h). One attempt more than there are delays; each at most 43,000 s (SQS's visibility limit
    /// of 12 h counts from the receive, less the attempt's own minute).
    public var webhookRetryDelays: [Int]

    public static let defaultRetryDelays = [5, 300, 1800, 7200, 18000, 36000, 36000]

    /// The owner of every job with `THUMBD_API_AUTH=none`.
    public static let anonymousOwner = "anonymous"

    public static let keys = [
        "THUMBD_API_LISTEN", "THUMBD_API_AUTH", "THUMBD_API_MAX_UPLOAD_MB", "THUMBD_API_SOURCE_BUCKETS",
        "THUMBD_API_DRAIN_TIMEOUT", "THUMBD_API_RATE_LIMIT", "THUMBD_WEBHOOK_ALLOW_HTTP", "THUMBD_WEBHOOK_ALLOW_PRIVATE",
        "THUMBD_WEBHOOK_RETRY_DELAYS",
    ]

    /// - Throws: `Settings.InvalidSetting` naming the first bad or missing key.
    public init(_ source: Settings.Source, settings: Settings) throws {
        func invalid(_ key: String, _ message: String) -> Settings.InvalidSetting { Settings.InvalidSetting(key: key, message: message) }
        let listen = source.value("THUMBD_API_LISTEN") ?? "127.0.0.1:8080"
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw invalid("THUMBD_API_LISTEN", "must be HOST:PORT (127.0.0.1:8080, 0.0.0.0:80), not \"\(listen)\"")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw invalid("THUMBD_API_LISTEN", "names no host: \"\(listen)\"") }
        self.host = host
        self.port = port

        let authText = source.value("THUMBD_API_AUTH") ?? "keys"
        guard let auth = AuthMode(rawValue: authText.lowercased()) else {
            throw invalid("THUMBD_API_AUTH", "must be keys or none, not \"\(authText)\"")
        }
        self.auth = auth
        if let text = source.value("THUMBD_API_MAX_UPLOAD_MB") {
            guard let mb = Int(text), (1...4096).contains(mb) else {
                throw invalid("THUMBD_API_MAX_UPLOAD_MB", "must be a whole number of MB from 1 to 4096, not \"\(text)\"")
            }
            maxUploadBytes = mb << 20
        } else {
            maxUploadBytes = settings.limits.maxInputBytes
        }
        sourceBuckets = Set(
            (source.value("THUMBD_API_SOURCE_BUCKETS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty })
        let drainText = source.value("THUMBD_API_DRAIN_TIMEOUT") ?? "65"
        guard let drain = Int(drainText), (0...3600).contains(drain) else {
            throw invalid("THUMBD_API_DRAIN_TIMEOUT", "must be whole seconds from 0 to 3600, not \"\(drainText)\"")
        }
        drainTimeout = .seconds(drain)
        let rateText = source.value("THUMBD_API_RATE_LIMIT") ?? "50/100"
        let parts = rateText.split(separator: "/").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let rate = parts[0], let burst = parts[1], rate > 0, burst >= 1, rate.isFinite, burst.isFinite else {
            throw invalid("THUMBD_API_RATE_LIMIT", "must be RATE/BURST requests per second, such as 50/100, not \"\(rateText)\"")
        }
        rateLimit = (rate, burst)
        func flag(_ key: String) throws -> Bool {
            switch source.value(key)?.lowercased() {
            case nil, "", "false", "0", "no": return false
            case "true", "1", "yes": return true
            case let other?: throw invalid(key, "must be true or false, not \"\(other)\"")
            }
        }
        callbackRule = CallbackURLRule(allowHTTP: try flag("THUMBD_WEBHOOK_ALLOW_HTTP"), allowPrivate: try flag("THUMBD_WEBHOOK_ALLOW_PRIVATE"))
        if let text = source.value("THUMBD_WEBHOOK_RETRY_DELAYS") {
            let delays = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !delays.isEmpty, delays.count <= 20, delays.allSatisfy({ $0.map { (0...43_000).contains($0) } ?? false }) else {
                throw invalid("THUMBD_WEBHOOK_RETRY_DELAYS", "must be 1 to 20 comma-separated whole seconds, each 0 to 43000, not \"\(text)\"")
            }
            webhookRetryDelays = delays.compactMap { $0 }
        } else {
            webhookRetryDelays = Self.defaultRetryDelays
        }

        guard let jobsTable = settings.jobsTable else { throw invalid("THUMBD_JOBS_TABLE", "thumbd-api keeps its jobs there: set it") }
        guard let uploadBucket = settings.uploadBucket else {
            throw invalid("THUMBD_UPLOAD_BUCKET", "thumbd-api stores uploads there: set it")
        }
        guard let outputBucket = settings.outputBucket else {
            throw invalid("THUMBD_OUTPUT_BUCKET", "thumbd-api's jobs write their thumbnails there: set it")
        }
        self.jobsTable = jobsTable
        self.uploadBucket = uploadBucket
        self.outputBucket = outputBucket
    }
}
