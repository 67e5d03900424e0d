import AWSKit
import Foundation

/// The job queue and its dead-letter queue, found the same way by every command (thumbd, `thumbctl
/// status`, `thumbctl dlq`, `thumbctl setup`/`teardown`, `thumb-submit --wait`). The dead-letter queue
/// is, in this order:
/// 1. `THUMBD_DLQ` (`--dlq`), when set;
/// 2. the target of the queue's `RedrivePolicy` (`deadLetterTargetArn`), whatever it is called, as with
///    queues made by CloudFormation or the console;
/// 3. `<queue>-dlq` if that queue exists (the name `thumbctl setup` gives it);
/// 4. none: permanent failures are then left to come back until the queue's redrive policy, if any,
///    moves them.
///
/// The queue is the `normal` priority's; the `high` and `low` ones (`<queue>-high`, `<queue>-low`,
/// see `JobPriority`) are used when they exist.
public struct ServiceQueues: Sendable, Equatable {
    /// How the dead-letter queue was found (for the start-up line and `thumbctl status`).
    public enum DeadLetterSource: String, Sendable {
        case setting = "THUMBD_DLQ"
        case redrivePolicy = "RedrivePolicy"
        case conventionalName = "<queue>-dlq"
    }

    public var url: String
    public var deadLetterURL: String?
    public var deadLetterSource: DeadLetterSource?
    /// The queue's RedrivePolicy `maxReceiveCount`: SQS moves a message to the dead-letter queue when
    /// it is received again after that many receives. `nil` without a redrive policy.
    public var maxReceiveCount: Int?
    /// The URLs of the `high` and `low` queues that exist (`normal` is `url`).
    public var priorityURLs: [JobPriority: String]
    /// The events queue (`THUMBD_EVENTS_QUEUE`), when set.
    public var eventsURL: String?

    public init(
        url: String, deadLetterURL: String? = nil, deadLetterSource: DeadLetterSource? = nil, maxReceiveCount: Int? = nil,
        priorityURLs: [JobPriority: String] = [:], eventsURL: String? = nil
    ) {
        self.url = url
        self.deadLetterURL = deadLetterURL
        self.deadLetterSource = deadLetterSource
        self.maxReceiveCount = maxReceiveCount
        self.priorityURLs = priorityURLs.filter { $0.key != .normal }
        self.eventsURL = eventsURL
    }

    /// The queue of `priority`, or `nil` when it does not exist (the job then goes to `url`, and the
    /// sender warns).
    public func url(for priority: JobPriority) -> String? {
        priority == .normal ? url : priorityURLs[priority]
    }

    /// Every queue jobs come from, highest priority first (only those that exist).
    public var jobQueues: [(priority: JobPriority, url: String)] {
        JobPriority.descending.compactMap { priority in url(for: priority).map { (priority, $0) } }
    }

    /// Looks up `<queue>-high` and `<queue>-low` (GetQueueUrl; a missing one is left out).
    /// - Parameter queueURL: the main queue's URL.
    /// - Throws: `AWSServiceError` other than "no such queue", transport errors.
    public static func priorityURLs(queueURL: String, clients: ServiceClients) async throws -> [JobPriority: String] {
        let main = ServiceClients.queueName(queueURL)
        var urls: [JobPriority: String] = [:]
        for priority in JobPriority.descending where priority != .normal {
            do {
                urls[priority] = try await clients.sqs.getQueueUrl(name: priority.queueName(main: main))
            } catch let error as AWSServiceError where error.isQueueDoesNotExist {}
        }
        return urls
    }

    /// No dead-letter queue could be found; the commands that need one say how to make one.
    public struct NoDeadLetterQueue: Error, CustomStringConvertible {
        public let queueURL: String
        public init(queueURL: String) { self.queueURL = queueURL }
        public var description: String {
            "the queue \(queueURL) has no dead-letter queue: set THUMBD_DLQ (--dlq), give the queue a RedrivePolicy, or run thumbctl setup"
        }
    }

    /// The dead-letter queue's URL, or `NoDeadLetterQueue`.
    /// - Throws: `NoDeadLetterQueue` when none was found.
    public func requireDeadLetterURL() throws -> String {
        guard let deadLetterURL else { throw NoDeadLetterQueue(queueURL: url) }
        return deadLetterURL
    }

    /// Finds the queues (the priority queues that exist, the dead-letter queue); reads the queue's attributes, so it doubles as thumbd's start-up check that
    /// the queue exists and can be read.
    /// - Throws: `Settings.InvalidSetting` without a queue setting; `AWSServiceError` when the queue (or a
    ///   named `THUMBD_DLQ` or `THUMBD_EVENTS_QUEUE`, or the redrive target) does not exist or cannot be read; transport errors.
    public static func resolve(settings: Settings, clients: ServiceClients) async throws -> ServiceQueues {
        let url = try await clients.queueURL(try settings.requireQueue())
        let attributes = try await clients.sqs.getQueueAttributes(queueUrl: url, names: ["RedrivePolicy"])
        var queues = ServiceQueues(
            url: url, maxReceiveCount: maxReceiveCount(attributes["RedrivePolicy"]),
            priorityURLs: try await priorityURLs(queueURL: url, clients: clients))
        if let events = settings.eventsQueue { queues.eventsURL = try await clients.queueURL(events) }
        if let dlq = settings.deadLetterQueue {
            queues.deadLetterURL = try await clients.queueURL(dlq)
            queues.deadLetterSource = .setting
        } else if let target = redriveTarget(attributes["RedrivePolicy"]) {
            queues.deadLetterURL = try await clients.sqs.getQueueUrl(name: target.name, ownerAccountId: target.account)
            queues.deadLetterSource = .redrivePolicy
        } else {
            do {
                queues.deadLetterURL = try await clients.sqs.getQueueUrl(name: conventionalDeadLetterName(queue: url))
                queues.deadLetterSource = .conventionalName
            } catch let error as AWSServiceError where error.isQueueDoesNotExist {}
        }
        return queues
    }

    /// `<queue>-dlq`, from a queue name or URL.
    public static func conventionalDeadLetterName(queue nameOrURL: String) -> String {
        ServiceClients.queueName(nameOrURL) + "-dlq"
    }

    /// A RedrivePolicy's `maxReceiveCount` (SQS gives it as a number or a string); nil without one.
    public static func maxReceiveCount(_ policy: String?) -> Int? {
        guard let data = policy?.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return nil }
        switch object["maxReceiveCount"] {
        case let number as NSNumber: return number.intValue
        case let text as String: return Int(text)
        default: return nil
        }
    }

    /// The queue name and account of a RedrivePolicy's `deadLetterTargetArn`
    /// (`arn:PARTITION:sqs:REGION:ACCOUNT:NAME`, the SQS developer guide's "Amazon SQS dead-letter queues").
    /// Nil for a missing or unreadable policy.
    public static func redriveTarget(_ policy: String?) -> (name: String, account: String?)? {
        guard let data = policy?.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let arn = object["deadLetterTargetArn"] as? String
        else { return nil }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sqs", !parts[5].isEmpty else { return nil }
        return (String(parts[5]), parts[4].isEmpty ? nil : String(parts[4]))
    }
}

extension AWSServiceError {
    /// SQS's "no such queue", under its JSON-protocol and query-protocol names.
    public var isQueueDoesNotExist: Bool {
        code == "QueueDoesNotExist" || code == "AWS.SimpleQueueService.NonExistentQueue"
    }
}
