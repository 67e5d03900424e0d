import AWSKit
import Foundation
import Imaging

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
/// Ours are recognised by name: policy statements whose `Sid` is `ThumbdWatch` and the source
/// account (one per account, listing its buckets), notification entries that send to our queue with
/// an `Id` starting `thumbd-`.
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

    /// The `Sid` of the statement for the buckets of one account: the IAM policy language allows
    /// only letters and digits. One statement per account, its `aws:SourceArn` a list: SQS policies
    /// allow 20 statements and 8 KB, so a statement per bucket would stop at a few buckets.
    public static func statementID(account: String) -> String {
        "ThumbdWatch" + account.filter { $0.isLetter || $0.isNumber }
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
            // An example in the format that makes the overlap, when one does.
            let source = (filter.prefix ?? "") + "photo" + (suffix.isEmpty ? ".jpg" : suffix)
            let size = settings.sizes.first ?? SizeRequest(width: 200, height: 200)
            let formats = [settings.format] + OutputFormat.allCases.filter { $0 != settings.format }
            let output =
                formats.lazy.map { KeyTemplate.render(self.settings.keyTemplate, sourceKey: source, size: size, format: $0) }
                .first { $0.hasPrefix(filter.prefix ?? "") && $0.hasSuffix(suffix) }
                ?? KeyTemplate.render(settings.keyTemplate, sourceKey: source, size: size, format: settings.format)
            return "thumbnails go to the watched bucket under keys this filter also matches (s3://\(bucket)/\(source) can make "
                + "s3://\(bucket)/\(output)): set THUMBD_OUTPUT_BUCKET to another bucket, or THUMBD_OUTPUT_KEY_TEMPLATE to keys "
                + "outside the filter (e.g. thumbs/{name}-{width}x{height}.{ext} with a prefix other than thumbs/), or pass "
                + "--allow-overlap (thumbd then skips its own thumbnails' events: the recursion guard)"
        }
        return nil
    }

    /// Whether two lists of event types share one (`s3:ObjectCreated:*` covers `s3:ObjectCreated:Put`).
    static func eventsOverlap(_ lhs: [String], _ rhs: [String]) -> Bool {
        func covers(_ wildcard: String, _ event: String) -> Bool {
            wildcard.hasSuffix("*") && event.hasPrefix(String(wildcard.dropLast()))
        }
        return lhs.contains { a in rhs.contains { b in a == b || covers(a, b) || covers(b, a) } }
    }

    /// Whether one key can match both filters: S3 refuses two configurations that share an event
    /// type when one's prefix starts the other's and one's suffix ends the other's.
    static func filtersOverlap(_ lhs: (prefix: String?, suffix: String?), _ rhs: (prefix: String?, suffix: String?)) -> Bool {
        let (a, b) = (lhs.prefix ?? "", rhs.prefix ?? "")
        let (c, d) = (lhs.suffix ?? "", rhs.suffix ?? "")
        return (a.hasPrefix(b) || b.hasPrefix(a)) && (c.hasSuffix(d) || d.hasSuffix(c))
    }

    /// Watches `bucket`. Everything is checked before anything changes; then the policy statement
    /// (the bucket added to its account's statement), then our notification entries (one per suffix;
    /// earlier ones of ours replaced, everything else kept).
    /// - Parameter sourceAccount: the bucket owner's account when it is not the queue's.
    /// - Returns: what changed, one line each.
    /// - Throws: `Refusal` (nothing changed: the filter catches our own thumbnails without
    ///   `allowOverlap`, suffixes that overlap each other, an entry of the bucket's that S3 would
    ///   find overlapping), `AWSServiceError`.
    public func watch(bucket: String, filter: Filter, sourceAccount: String? = nil, allowOverlap: Bool = false) async throws -> [String] {
        if !allowOverlap, let overlap = overlap(bucket: bucket, filter: filter) {
            throw Refusal(description: "not watching s3://\(bucket): \(overlap)")
        }
        let name = ServiceClients.queueName(queueURL)
        let wanted = (filter.suffixes.isEmpty ? [nil] : filter.suffixes.map(Optional.some)).enumerated().map { index, suffix in
            S3BucketNotification.QueueConfiguration(
                id: "thumbd-\(name)" + (filter.suffixes.count > 1 ? "-\(index + 1)" : ""), queueArn: queueArn, events: filter.events,
                prefix: filter.prefix, suffix: suffix)
        }
        for (index, one) in wanted.enumerated() {
            for other in wanted[(index + 1)...] where Self.filtersOverlap((one.prefix, one.suffix), (other.prefix, other.suffix)) {
                throw Refusal(
                    description: "not watching s3://\(bucket): the suffixes \(one.suffix ?? "") and \(other.suffix ?? "") overlap "
                        + "(S3 refuses two entries that could match one key); give the longer one only, or neither")
            }
        }
        var notification = try await clients.s3.getBucketNotification(bucket)
        let removed = notification.removeQueueConfigurations(where: isOurs)
        for existing in notification.destinations where Self.eventsOverlap(existing.events, filter.events) {
            for one in wanted where Self.filtersOverlap((existing.prefix, existing.suffix), (one.prefix, one.suffix)) {
                throw Refusal(
                    description: "not watching s3://\(bucket): its notification entry \(existing.id.isEmpty ? "(no id)" : existing.id) "
                        + "already receives \(existing.events.joined(separator: ", ")) for keys this filter matches, and S3 refuses "
                        + "two entries that could match one key with one event type: narrow one of the filters, or send the bucket's "
                        + "events to EventBridge and route them to the queue with a rule (thumbd reads those too)")
            }
        }

        var lines: [String] = []
        let account = sourceAccount ?? queueAccount
        let arn = bucketArn(bucket)
        var policy = try await readPolicy()
        let sid = Self.statementID(account: account)
        var statement = policy.statements.first { $0["Sid"] as? String == sid } ?? [
            "Sid": sid, "Effect": "Allow", "Principal": ["Service": "s3.amazonaws.com"], "Action": "sqs:SendMessage",
            "Resource": queueArn, "Condition": ["ArnEquals": ["aws:SourceArn": [String]()], "StringEquals": ["aws:SourceAccount": account]],
        ]
        var arns = Self.sourceArns(statement)
        let policyChanged = !arns.contains(arn)
        if policyChanged {
            arns.append(arn)
            var condition = statement["Condition"] as? [String: Any] ?? [:]
            condition["ArnEquals"] = ["aws:SourceArn": arns]
            condition["StringEquals"] = ["aws:SourceAccount": account]
            statement["Condition"] = condition
            if let index = policy.statements.firstIndex(where: { $0["Sid"] as? String == sid }) {
                policy.statements[index] = statement
            } else {
                policy.statements.append(statement)
            }
            try await clients.sqs.setQueueAttributes(queueUrl: queueURL, attributes: ["Policy": policy.text])
            lines.append("queue policy: statement \(sid) now lets s3.amazonaws.com send from s3://\(bucket) (account \(account))")
        } else {
            lines.append("queue policy: statement \(sid) already lets s3.amazonaws.com send from s3://\(bucket) (account \(account))")
        }

        let kept = notification.elements.count
        if removed == wanted {
            lines.append("notification configuration of s3://\(bucket): unchanged, \(describe(wanted)); \(kept) other entries")
            return lines
        }
        for configuration in wanted { notification.add(configuration) }
        try await putNotification(bucket, notification, afterPolicyChange: policyChanged)
        lines.append(
            "notification configuration of s3://\(bucket): \(removed.isEmpty ? "added" : "replaced ours with") \(describe(wanted)); "
                + "kept \(kept) other entries as they were")
        return lines
    }

    /// Writes the configuration; right after a policy change, S3's check of the queue (a test message
    /// the new statement must allow) can fail until SQS has spread the policy, up to a minute: then it
    /// is tried again, for about that long.
    private func putNotification(_ bucket: String, _ notification: S3BucketNotification, afterPolicyChange: Bool) async throws {
        var delay = 2.0
        var waited = 0.0
        while true {
            do {
                try await clients.s3.putBucketNotification(bucket, notification)
                return
            } catch let error as AWSServiceError where afterPolicyChange && error.code == "InvalidArgument" && waited < 60 {
                try await Task.sleep(for: .seconds(delay))
                waited += delay
                delay = min(delay * 2, 16)
            } catch {
                throw Refusal(
                    description: "the notification configuration of s3://\(bucket) could not be written (\(error)); the queue "
                        + "policy's statement stays, so running thumbctl watch again finishes the job")
            }
        }
    }

    /// Removes our notification entries from `bucket` (without S3's check of the other destinations,
    /// so another's broken entry cannot block it) and the bucket from our policy statements; nothing else.
    /// - Returns: what changed, one line each.
    /// - Throws: `AWSServiceError`.
    public func unwatch(bucket: String) async throws -> [String] {
        var lines: [String] = []
        var notification = try await clients.s3.getBucketNotification(bucket)
        let removed = notification.removeQueueConfigurations(where: isOurs)
        if removed.isEmpty {
            lines.append("notification configuration of s3://\(bucket): nothing of ours")
        } else {
            try await clients.s3.putBucketNotification(bucket, notification, skipDestinationValidation: true)
            lines.append(
                "notification configuration of s3://\(bucket): removed \(describe(removed)); kept \(notification.elements.count) other entries")
        }
        var policy = try await readPolicy()
        let arn = bucketArn(bucket)
        var changed: [String] = []
        policy.statements = policy.statements.compactMap { statement in
            guard let sid = statement["Sid"] as? String, sid.hasPrefix("ThumbdWatch"), Self.sourceArns(statement).contains(arn) else {
                return statement
            }
            changed.append(sid)
            let rest = Self.sourceArns(statement).filter { $0 != arn }
            guard !rest.isEmpty else { return nil }
            var statement = statement
            var condition = statement["Condition"] as? [String: Any] ?? [:]
            condition["ArnEquals"] = ["aws:SourceArn": rest]
            statement["Condition"] = condition
            return statement
        }
        if changed.isEmpty {
            lines.append("queue policy: no statement of ours names s3://\(bucket)")
        } else {
            try await clients.sqs.setQueueAttributes(queueUrl: queueURL, attributes: ["Policy": policy.text])
            lines.append("queue policy: s3://\(bucket) taken out of \(changed.joined(separator: ", ")); \(policy.statements.count) statements left")
        }
        return lines
    }

    /// The bucket ARNs a statement of ours lets send (`aws:SourceArn` under `ArnEquals`, one or a list).
    static func sourceArns(_ statement: [String: Any]) -> [String] {
        let value = ((statement["Condition"] as? [String: Any])?["ArnEquals"] as? [String: Any])?["aws:SourceArn"]
        if let one = value as? String { return [one] }
        return value as? [String] ?? []
    }

    /// The buckets our policy statements name, with our entries in each one's notification configuration.
    /// - Throws: `AWSServiceError` when the queue's policy cannot be read.
    public func watched() async throws -> [Watched] {
        let buckets = try await readPolicy().statements
            .filter { ($0["Sid"] as? String)?.hasPrefix("ThumbdWatch") == true }
            .flatMap(Self.sourceArns)
            .compactMap { arn in arn.range(of: ":s3:::").map { String(arn[$0.upperBound...]) } }
        var result: [Watched] = []
        for bucket in Set(buckets).sorted() {
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
