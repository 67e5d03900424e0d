import AWSKit
import Foundation

/// Connects source buckets to the job queue so that every photo written to one is thumbnailed
/// (`thumbctl watch`, `unwatch`, and the list in `thumbctl status`). Watching a bucket takes two
/// changes, each leaving everything else in its document as it was:
/// - a statement in the queue's policy letting `s3.amazonaws.com` send to the queue, on condition
///   that `aws:SourceArn` is the bucket and `aws:SourceAccount` its owner (the S3 user guide's
///   "Granting permissions to publish event notification messages to a destination");
/// - queue configurations in the bucket's notification configuration. S3's
///   PutBucketNotificationConfiguration replaces the whole configuration, so it is read, edited
///   and written back: the user's Lambda, SNS, other queue and EventBridge entries stay.
///
/// Ours are recognised by name: policy statements whose `Sid` is `ThumbdWatch` and a hash of the
/// bucket name, notification entries that send to our queue with an `Id` starting `thumbd-`.
public struct BucketWatch: Sendable {
    public let settings: Settings
    public let clients: ServiceClients
    public let queueURL: String
    public let queueArn: String

    /// What a bucket sends: keys under `prefix` ending with one of `suffixes` (none: any key);
    /// creations, and removals too with `removals`.
    public struct Filter: Sendable, Equatable {
        public var prefix: String?
        public var suffixes: [String]
        public var removals: Bool

        public init(prefix: String? = nil, suffixes: [String] = [], removals: Bool = false) {
            self.prefix = prefix.flatMap { $0.isEmpty ? nil : $0 }
            self.suffixes = suffixes.filter { !$0.isEmpty }
            self.removals = removals
        }

        var events: [String] { ["s3:ObjectCreated:*"] + (removals ? ["s3:ObjectRemoved:*"] : []) }
    }

    /// A watched bucket and our entries in its notification configuration.
    public struct Watched: Sendable {
        public let bucket: String
        public let configurations: [S3BucketNotification.QueueConfiguration]
        /// Why the configuration could not be read, if it could not.
        public let error: String?
    }

    /// A watch refused before anything was changed.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Finds the queue (`THUMBD_QUEUE`) and its ARN.
    /// - Throws: `Settings.InvalidSetting` without a queue; `AWSServiceError`.
    public init(settings: Settings, clients: ServiceClients) async throws {
        self.settings = settings
        self.clients = clients
        queueURL = try await clients.queueURL(try settings.requireQueue())
        guard let arn = try await clients.sqs.getQueueAttributes(queueUrl: queueURL, names: ["QueueArn"])["QueueArn"] else {
            throw Refusal(description: "the queue \(queueURL) did not give its QueueArn")
        }
        queueArn = arn
    }

    /// The `Sid` of the statement for `bucket`: the IAM policy language allows only letters and digits.
    public static func statementID(bucket: String) -> String {
        "ThumbdWatch" + Hashing.sha256Hex(bucket).prefix(16)
    }

    /// `arn:PARTITION:s3:::BUCKET`, in the queue's partition.
    func bucketArn(_ bucket: String) -> String {
        let parts = queueArn.split(separator: ":", omittingEmptySubsequences: false)
        return "arn:\(parts.count > 1 ? parts[1] : "aws"):s3:::\(bucket)"
    }

    /// The account in the queue's ARN (`arn:PARTITION:sqs:REGION:ACCOUNT:NAME`).
    var queueAccount: String {
        let parts = queueArn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count > 4 ? String(parts[4]) : ""
    }

    private func isOurs(_ configuration: S3BucketNotification.QueueConfiguration) -> Bool {
        configuration.queueArn == queueArn && configuration.id.hasPrefix("thumbd-")
    }

    /// Why `filter` on `bucket` would be sent our own thumbnails (they go to the watched bucket under
    /// keys the filter matches), or nil.
    public func overlap(bucket: String, filter: Filter) -> String? {
        guard (settings.outputBucket ?? bucket) == bucket else { return nil }
        for suffix in filter.suffixes.isEmpty ? [""] : filter.suffixes
        where KeyTemplate.canProduce(template: settings.keyTemplate, prefix: filter.prefix ?? "", suffix: suffix) {
            let source = (filter.prefix ?? "") + "photo" + (suffix.isEmpty ? ".jpg" : suffix)
            let output = KeyTemplate.render(
                settings.keyTemplate, sourceKey: source, size: settings.sizes.first ?? SizeRequest(width: 200, height: 200),
                format: settings.format)
            return "thumbnails go to the watched bucket under keys this filter also matches (s3://\(bucket)/\(source) makes "
                + "s3://\(bucket)/\(output)): set THUMBD_OUTPUT_BUCKET to another bucket, or THUMBD_OUTPUT_KEY_TEMPLATE to keys "
                + "outside the filter (e.g. thumbs/{name}-{width}x{height}.{ext} with --prefix photos/), or pass --allow-overlap "
                + "(thumbd then skips its own thumbnails' events: the recursion guard)"
        }
        return nil
    }

    /// Watches `bucket`: the policy statement (replaced if there), then our notification entries
    /// (one per suffix; earlier ones of ours replaced, everything else kept).
    /// - Parameter sourceAccount: the bucket owner's account when it is not the queue's.
    /// - Returns: what changed, one line each.
    /// - Throws: `Refusal` (overlap without `allowOverlap`; nothing changed), `AWSServiceError`.
    public func watch(bucket: String, filter: Filter, sourceAccount: String? = nil, allowOverlap: Bool = false) async throws -> [String] {
        if !allowOverlap, let overlap = overlap(bucket: bucket, filter: filter) {
            throw Refusal(description: "not watching s3://\(bucket): \(overlap)")
        }
        var lines: [String] = []
        let account = sourceAccount ?? queueAccount
        let statement: [String: Any] = [
            "Sid": Self.statementID(bucket: bucket), "Effect": "Allow", "Principal": ["Service": "s3.amazonaws.com"],
            "Action": "sqs:SendMessage", "Resource": queueArn,
            "Condition": ["ArnEquals": ["aws:SourceArn": bucketArn(bucket)], "StringEquals": ["aws:SourceAccount": account]],
        ]
        var policy = try await readPolicy()
        if policy.statements.contains(where: { QueuePolicy.same($0, statement) }) {
            lines.append("queue policy: already lets s3.amazonaws.com send from s3://\(bucket) (account \(account))")
        } else {
            policy.statements.removeAll { $0["Sid"] as? String == Self.statementID(bucket: bucket) }
            policy.statements.append(statement)
            try await clients.sqs.setQueueAttributes(queueUrl: queueURL, attributes: ["Policy": policy.text])
            lines.append(
                "queue policy: added statement \(Self.statementID(bucket: bucket)) letting s3.amazonaws.com send from s3://\(bucket) (account \(account))")
        }

        var notification = try await clients.s3.getBucketNotification(bucket)
        let name = ServiceClients.queueName(queueURL)
        let wanted = (filter.suffixes.isEmpty ? [nil] : filter.suffixes.map(Optional.some)).enumerated().map { index, suffix in
            S3BucketNotification.QueueConfiguration(
                id: "thumbd-\(name)" + (filter.suffixes.count > 1 ? "-\(index + 1)" : ""), queueArn: queueArn, events: filter.events,
                prefix: filter.prefix, suffix: suffix)
        }
        let removed = notification.removeQueueConfigurations(where: isOurs)
        let kept = notification.elements.count
        if removed == wanted {
            lines.append("notification configuration of s3://\(bucket): unchanged (\(describe(wanted))); \(kept) other entries")
            return lines
        }
        for configuration in wanted { notification.add(configuration) }
        try await clients.s3.putBucketNotification(bucket, notification)
        lines.append(
            "notification configuration of s3://\(bucket): \(removed.isEmpty ? "added" : "replaced ours with") \(describe(wanted)); "
                + "kept \(kept) other entries as they were")
        return lines
    }

    /// Removes our notification entries from `bucket` and our statement for it from the queue's
    /// policy; nothing else.
    /// - Returns: what changed, one line each.
    /// - Throws: `AWSServiceError`.
    public func unwatch(bucket: String) async throws -> [String] {
        var lines: [String] = []
        var notification = try await clients.s3.getBucketNotification(bucket)
        let removed = notification.removeQueueConfigurations(where: isOurs)
        if removed.isEmpty {
            lines.append("notification configuration of s3://\(bucket): nothing of ours")
        } else {
            try await clients.s3.putBucketNotification(bucket, notification)
            lines.append(
                "notification configuration of s3://\(bucket): removed \(describe(removed)); kept \(notification.elements.count) other entries")
        }
        var policy = try await readPolicy()
        let before = policy.statements.count
        policy.statements.removeAll { $0["Sid"] as? String == Self.statementID(bucket: bucket) }
        if policy.statements.count == before {
            lines.append("queue policy: no statement for s3://\(bucket)")
        } else {
            try await clients.sqs.setQueueAttributes(queueUrl: queueURL, attributes: ["Policy": policy.text])
            lines.append("queue policy: removed statement \(Self.statementID(bucket: bucket)); kept \(policy.statements.count) others")
        }
        return lines
    }

    /// The buckets our policy statements name, with our entries in each one's notification configuration.
    /// - Throws: `AWSServiceError` when the queue's policy cannot be read.
    public func watched() async throws -> [Watched] {
        let buckets = try await readPolicy().statements.compactMap { statement -> String? in
            guard (statement["Sid"] as? String)?.hasPrefix("ThumbdWatch") == true,
                let arn = ((statement["Condition"] as? [String: Any])?["ArnEquals"] as? [String: Any])?["aws:SourceArn"] as? String,
                let range = arn.range(of: ":s3:::")
            else { return nil }
            return String(arn[range.upperBound...])
        }
        var result: [Watched] = []
        for bucket in buckets.sorted() {
            do {
                let configurations = try await clients.s3.getBucketNotification(bucket).queueConfigurations.filter(isOurs)
                result.append(Watched(bucket: bucket, configurations: configurations, error: nil))
            } catch {
                result.append(Watched(bucket: bucket, configurations: [], error: "\(error)"))
            }
        }
        return result
    }

    private func readPolicy() async throws -> QueuePolicy {
        try QueuePolicy(try await clients.sqs.getQueueAttributes(queueUrl: queueURL, names: ["Policy"])["Policy"])
    }

    /// `thumbd-q (s3:ObjectCreated:*, prefix photos/, suffix .jpg)`, joined.
    public static func describe(_ configuration: S3BucketNotification.QueueConfiguration) -> String {
        var parts = configuration.events
        if let prefix = configuration.prefix { parts.append("prefix \(prefix)") }
        if let suffix = configuration.suffix { parts.append("suffix \(suffix)") }
        return "\(configuration.id) (\(parts.joined(separator: ", ")))"
    }

    private func describe(_ configurations: [S3BucketNotification.QueueConfiguration]) -> String {
        configurations.map(Self.describe).joined(separator: ", ")
    }
}
