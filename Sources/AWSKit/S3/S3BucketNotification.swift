import Foundation

/// A bucket's notification configuration (S3's `NotificationConfiguration`: topic, queue, Lambda
/// and EventBridge destinations), kept as the elements S3 returned, so a tool that changes its own
/// entries writes everything else back as it was read (element names without namespace prefixes,
/// which S3's document does not use). `PutBucketNotificationConfiguration` replaces the whole
/// configuration: reading, editing and writing back is the only safe way to add one.
public struct S3BucketNotification: Sendable {
    /// Every configuration element, in the order S3 gave them.
    public private(set) var elements: [XMLTree]

    /// One `QueueConfiguration`: events of the bucket sent to an SQS queue (botocore's S3 model).
    public struct QueueConfiguration: Sendable, Equatable {
        public var id: String
        public var queueArn: String
        /// Event types, e.g. `s3:ObjectCreated:*`.
        public var events: [String]
        /// Key filters: the key must start with `prefix` and end with `suffix` (S3 allows one of each).
        /// As keys are spelled; on the wire they are URL-encoded as S3 asks ("Configuring event
        /// notifications using object key name filtering": a space is `+`, special characters
        /// percent-encoded), the way S3 encodes keys in its events.
        public var prefix: String?
        public var suffix: String?

        public init(id: String, queueArn: String, events: [String], prefix: String? = nil, suffix: String? = nil) {
            self.id = id
            self.queueArn = queueArn
            self.events = events
            self.prefix = prefix
            self.suffix = suffix
        }

        init?(_ element: XMLTree) {
            guard element.name == "QueueConfiguration", let arn = element["Queue"] else { return nil }
            id = element["Id"] ?? ""
            queueArn = arn
            events = element.all("Event").map(\.text)
            let rules = element.child("Filter")?.child("S3Key")?.all("FilterRule") ?? []
            func rule(_ name: String) -> String? {
                rules.first { $0["Name"]?.lowercased() == name }?["Value"]
            }
            prefix = rule("prefix").map(S3KeyFilter.decode)
            suffix = rule("suffix").map(S3KeyFilter.decode)
        }

        var element: XMLTree {
            var children = [XMLTree("Id", text: id), XMLTree("Queue", text: queueArn)]
            children += events.map { XMLTree("Event", text: $0) }
            let rules = [("prefix", prefix), ("suffix", suffix)].compactMap { name, value in
                value.map {
                    XMLTree("FilterRule", children: [XMLTree("Name", text: name), XMLTree("Value", text: S3KeyFilter.encode($0))])
                }
            }
            if !rules.isEmpty {
                children.append(XMLTree("Filter", children: [XMLTree("S3Key", children: rules)]))
            }
            return XMLTree("QueueConfiguration", children: children)
        }
    }

    public init(elements: [XMLTree] = []) {
        self.elements = elements
    }

    /// The queue configurations among the elements.
    public var queueConfigurations: [QueueConfiguration] {
        elements.compactMap(QueueConfiguration.init)
    }

    /// Removes the queue configurations `match` picks; every other element stays as it was.
    /// - Returns: what was removed.
    @discardableResult
    public mutating func removeQueueConfigurations(where match: (QueueConfiguration) -> Bool) -> [QueueConfiguration] {
        var removed: [QueueConfiguration] = []
        elements.removeAll { element in
            guard let queue = QueueConfiguration(element), match(queue) else { return false }
            removed.append(queue)
            return true
        }
        return removed
    }

    public mutating func add(_ queue: QueueConfiguration) {
        elements.append(queue.element)
    }

    /// The request body of `PutBucketNotificationConfiguration`.
    public var xml: String {
        XMLTree("NotificationConfiguration", children: elements, attributes: ["xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"]).xml
    }
}

extension S3Client {
    /// The bucket's notification configuration (empty when it has none).
    /// - Throws: `AWSServiceError` (`NoSuchBucket`, `AccessDenied`...).
    public func getBucketNotification(_ bucket: String) async throws -> S3BucketNotification {
        let response = try await send("GetBucketNotificationConfiguration", "GET", bucket: bucket, query: "notification")
        let tree = try parseXML(response, operation: "GetBucketNotificationConfiguration")
        return S3BucketNotification(elements: tree.children)
    }

    /// Replaces the bucket's whole notification configuration with `notification`. S3 checks each
    /// destination first (it sends an `s3:TestEvent` to a queue, which the queue's policy must
    /// allow), unless `skipDestinationValidation` (`x-amz-skip-destination-validation`): for removing
    /// entries, so that someone else's broken destination does not block it.
    /// - Throws: `AWSServiceError` (`InvalidArgument` when a destination cannot be reached or two
    ///   configurations overlap).
    public func putBucketNotification(
        _ bucket: String, _ notification: S3BucketNotification, skipDestinationValidation: Bool = false
    ) async throws {
        var headers = HTTPHeaders()
        if skipDestinationValidation { headers.add(name: "x-amz-skip-destination-validation", value: "true") }
        _ = try await send(
            "PutBucketNotificationConfiguration", "PUT", bucket: bucket, query: "notification", headers: headers,
            body: Data(notification.xml.utf8), contentType: "application/xml", contentMD5: true)
    }
}

/// The spelling of notification key filters: S3 matches a filter against the key as its events
/// carry it, URL-encoded with `+` for a space and `/` kept (the encoding of `quote_plus` with `/` safe).
public enum S3KeyFilter {
    /// - Returns: `text` with every byte but unreserved characters (RFC 3986) and `/` percent-encoded, and spaces as `+`.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The inverse of `encode` (`+` is a space); text that is not valid percent-encoding is kept as it is.
    public static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }
}

extension S3BucketNotification {
    /// Every configuration among the elements that sends events somewhere (queue, topic, Lambda), with
    /// its id, events and key filters: what S3 compares when it refuses overlapping configurations.
    public var destinations: [(id: String, events: [String], prefix: String?, suffix: String?)] {
        elements.compactMap { element in
            guard ["QueueConfiguration", "TopicConfiguration", "CloudFunctionConfiguration"].contains(element.name) else { return nil }
            let rules = element.child("Filter")?.child("S3Key")?.all("FilterRule") ?? []
            func rule(_ name: String) -> String? {
                rules.first { $0["Name"]?.lowercased() == name }?["Value"].map(S3KeyFilter.decode)
            }
            return (element["Id"] ?? "", element.all("Event").map(\.text), rule("prefix"), rule("suffix"))
        }
    }
}
