import AWSKit
import ArgumentParser
import Foundation
import ThumbCommandLine
import ThumbService

/// `thumbctl setup`: the queue, its priority queues (`<queue>-high`, `<queue>-low`, see
/// `JobPriority`), their dead-letter queue and redrive policy, and an output bucket that
/// accepts public-read thumbnails on today's AWS; with the web tier's settings also the jobs table
/// (`THUMBD_JOBS_TABLE`: TTL on, the owner index) and the private upload bucket
/// (`THUMBD_UPLOAD_BUCKET`: objects expire after `THUMBD_JOB_TTL`), and the events queue of webhooks
/// with its own dead-letter queue (`THUMBD_EVENTS_QUEUE`). Safe to run again.
struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the queue, its -high and -low priority queues, their dead-letter queue and the output bucket; the jobs table and upload bucket when set (idempotent).")

    @OptionGroup var options: ServiceOptions
    @Option(help: "Bucket for thumbnails, made public-readable (THUMBD_OUTPUT_BUCKET; none: thumbnails go to each source bucket).")
    var outputBucket: String?
    @Option(help: "Receives before a message goes to the dead-letter queue (THUMBD_MAX_RECEIVE_COUNT, default 5).")
    var maxReceiveCount: Int?
    @Option(help: "The queue's visibility timeout, seconds (THUMBD_VISIBILITY_TIMEOUT, default 60).") var visibilityTimeout: Int?
    @Flag(help: "Make the bucket public with a bucket policy instead of object ACLs.") var publicPolicy = false
    @Option(help: "The DynamoDB table of job records and API keys (THUMBD_JOBS_TABLE).") var jobsTable: String?
    @Option(help: "The private bucket for uploaded originals (THUMBD_UPLOAD_BUCKET).") var uploadBucket: String?
    @Option(help: "The queue of job events webhooks are sent from (THUMBD_EVENTS_QUEUE); its dead-letter queue is <name>-dlq.")
    var eventsQueue: String?

    func run() async throws {
        let (settings, clients) = try await options.load(adding: [
            "THUMBD_OUTPUT_BUCKET": outputBucket, "THUMBD_JOBS_TABLE": jobsTable, "THUMBD_UPLOAD_BUCKET": uploadBucket,
            "THUMBD_EVENTS_QUEUE": eventsQueue,
        ])
        let queueName = ServiceClients.queueName(try settings.requireQueue())
        // The dead-letter queue the queue already has, if it exists; else THUMBD_DLQ; else <queue>-dlq.
        var existing: ServiceQueues?
        do {
            existing = try await ServiceQueues.resolve(settings: settings, clients: clients)
        } catch let error as AWSServiceError where error.isQueueDoesNotExist {
            existing = nil  // the queue (or the named THUMBD_DLQ) is still to be made
        }
        let dlqURL: String
        if let found = existing?.deadLetterURL {
            dlqURL = found
        } else {
            let name = settings.deadLetterQueue.map(ServiceClients.queueName) ?? ServiceQueues.conventionalDeadLetterName(queue: queueName)
            dlqURL = try await clients.sqs.createQueue(name: name, attributes: ["MessageRetentionPeriod": "1209600"])
        }
        guard let dlqArn = try await clients.sqs.getQueueAttributes(queueUrl: dlqURL, names: ["QueueArn"])["QueueArn"] else {
            throw ValidationError("the dead-letter queue has no ARN")
        }
        let receives = maxReceiveCount ?? settings.maxReceiveCount
        let attributes = [
            "VisibilityTimeout": String(visibilityTimeout ?? settings.visibilityTimeout.wholeSeconds), "ReceiveMessageWaitTimeSeconds": "20",
            "RedrivePolicy": #"{"deadLetterTargetArn":"\#(dlqArn)","maxReceiveCount":"\#(receives)"}"#,
        ]
        var queueURLs: [JobPriority: String] = [:]
        for priority in JobPriority.descending {
            queueURLs[priority] = try await Self.createOrUpdate(priority.queueName(main: queueName), attributes, clients)
        }

        var bucketLine = "(none: thumbnails go to each source bucket)"
        if let bucket = settings.outputBucket {
            try await clients.s3.createBucket(bucket)
            // Buckets made since April 2023 disable ACLs and block public access: allow both, or use a policy.
            try await clients.s3.putPublicAccessBlock(bucket, .allowPublic)
            if publicPolicy {
                try await clients.s3.putBucketPolicy(bucket, policy: #"{"Version":"2012-10-17","Statement":[{"Sid":"PublicReadThumbnails","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::\#(bucket)/*"}]}"#)
            } else {
                try await clients.s3.putBucketOwnershipControls(bucket, .bucketOwnerPreferred)
            }
            bucketLine = bucket
        }
        print("queue:  \(queueURLs[.normal]!)")
        print("high:   \(queueURLs[.high]!)")
        print("low:    \(queueURLs[.low]!)")
        print("dlq:    \(dlqURL)")
        print("bucket: \(bucketLine)")
        if let table = settings.jobsTable {
            let created = try await JobsTable.create(name: table, dynamo: clients.dynamo)
            print("table:  \(table) (\(created ? "created" : "exists"); TTL on \(JobsTable.ttlAttribute))")
        }
        if let bucket = settings.uploadBucket {
            try await UploadBucket.create(bucket, ttl: settings.jobTTL, s3: clients.s3)
            print("uploads: \(bucket) (private; originals expire after \(UploadBucket.expiryDays(ttl: settings.jobTTL)) days)")
        }
        if let events = settings.eventsQueue {
            let name = ServiceClients.queueName(events)
            let dlq = try await Self.createOrUpdate(
                ServiceQueues.conventionalDeadLetterName(queue: name), ["MessageRetentionPeriod": "1209600"], clients)
            guard let arn = try await clients.sqs.getQueueAttributes(queueUrl: dlq, names: ["QueueArn"])["QueueArn"] else {
                throw ValidationError("the events dead-letter queue has no ARN")
            }
            // 14 days: the retry schedule spans over a day. The redrive policy only catches events a
            // crashing thumbd-api receives over and over: thumbd-api dead-letters after its last attempt.
            let url = try await Self.createOrUpdate(
                name,
                [
                    "VisibilityTimeout": "60", "ReceiveMessageWaitTimeSeconds": "20", "MessageRetentionPeriod": "1209600",
                    "RedrivePolicy": #"{"deadLetterTargetArn":"\#(arn)","maxReceiveCount":"\#(Self.eventsMaxReceiveCount)"}"#,
                ], clients)
            print("events: \(url)")
            print("events dlq: \(dlq)")
        }
    }

    /// More receives than the longest retry schedule thumbd-api takes (20 delays, 21 attempts).
    static let eventsMaxReceiveCount = 25

    /// Makes a queue, or brings an existing one's attributes to these.
    static func createOrUpdate(_ name: String, _ attributes: [String: String], _ clients: ServiceClients) async throws -> String {
        let url: String
        do {
            url = try await clients.sqs.createQueue(name: name, attributes: attributes)
        } catch let error as AWSServiceError where error.code == "QueueAlreadyExists" || error.code == "QueueNameExists" {
            url = try await clients.sqs.getQueueUrl(name: name)
        }
        try await clients.sqs.setQueueAttributes(queueUrl: url, attributes: attributes)
        return url
    }
}

/// `thumbctl teardown`: deletes what setup made; a bucket with objects only with --force.
struct Teardown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete the queue (unwatching the buckets thumbctl watch connected to it), its priority queues, the dead-letter queue, the output bucket, and the jobs table and upload bucket when set.")

    @OptionGroup var options: ServiceOptions
    @Option(help: "The output bucket to delete (THUMBD_OUTPUT_BUCKET).") var outputBucket: String?
    @Option(help: "The jobs table to delete (THUMBD_JOBS_TABLE).") var jobsTable: String?
    @Option(help: "The upload bucket to delete (THUMBD_UPLOAD_BUCKET).") var uploadBucket: String?
    @Option(help: "The events queue to delete, with its <name>-dlq (THUMBD_EVENTS_QUEUE).") var eventsQueue: String?
    @Flag(help: "Delete buckets even when they hold objects (they are deleted first).") var force = false

    func run() async throws {
        let (settings, clients) = try await options.load(adding: [
            "THUMBD_OUTPUT_BUCKET": outputBucket, "THUMBD_JOBS_TABLE": jobsTable, "THUMBD_UPLOAD_BUCKET": uploadBucket,
            "THUMBD_EVENTS_QUEUE": eventsQueue,
        ])
        // Refuse before deleting anything: a half-done teardown is worse than none.
        var buckets: [(name: String, holdsObjects: Bool)] = []
        for name in [settings.outputBucket, settings.uploadBucket].compactMap({ $0 }) where !buckets.contains(where: { $0.name == name }) {
            do {
                let holdsObjects = try await !clients.s3.listObjectsV2(bucket: name, maxKeys: 1).objects.isEmpty
                if holdsObjects && !force {
                    throw ValidationError("the bucket \(name) holds objects: run again with --force to delete them and it")
                }
                buckets.append((name, holdsObjects))
            } catch let error as AWSServiceError where error.code == "NoSuchBucket" {
                print("no bucket \(name)")  // a teardown run before got this far
            }
        }
        // What setup makes: the queue, and THUMBD_DLQ or <queue>-dlq. A redrive target of another name
        // was made elsewhere (setup keeps one it finds) and stays.
        let queue = try settings.requireQueue()
        let dlq = settings.deadLetterQueue ?? ServiceQueues.conventionalDeadLetterName(queue: queue)
        if let url = try await existingQueueURL(queue, clients),
            let target = ServiceQueues.redriveTarget(try await clients.sqs.getQueueAttributes(queueUrl: url, names: ["RedrivePolicy"])["RedrivePolicy"]),
            target.name != ServiceClients.queueName(dlq)
        {
            print("kept dead-letter queue \(target.name) (not made by thumbctl setup)")
        }
        // A notification entry for a deleted queue would make S3 refuse every later change to that
        // bucket's notifications (it checks each destination): what thumbctl watch added goes first.
        if try await existingQueueURL(queue, clients) != nil {
            let watch = try await BucketWatch(settings: settings, clients: clients)
            var failures: [String] = []
            for watched in try await watch.watched() {
                do {
                    for line in try await watch.unwatch(bucket: watched.bucket) { print(line) }
                } catch {
                    failures.append("s3://\(watched.bucket): \(error)")
                }
            }
            guard failures.isEmpty else {
                throw ValidationError(
                    "not deleting the queue: these buckets still send to it and could not be unwatched: "
                        + failures.joined(separator: "; ") + " (fix that and run teardown again, or thumbctl unwatch BUCKET)")
            }
        }
        let main = ServiceClients.queueName(queue)
        let events = settings.eventsQueue.map { [$0, ServiceQueues.conventionalDeadLetterName(queue: $0)] } ?? []
        for name in [queue, JobPriority.high.queueName(main: main), JobPriority.low.queueName(main: main), dlq] + events {
            if let url = try await existingQueueURL(name, clients) {
                try await clients.sqs.deleteQueue(queueUrl: url)
                print("deleted queue \(url)")
            } else {
                print("no queue \(name)")
            }
        }
        if let table = settings.jobsTable {
            do {
                try await clients.dynamo.deleteTable(name: table)
                print("deleted table \(table)")
            } catch let error as AWSServiceError where error.isResourceNotFound {
                print("no table \(table)")
            }
        }
        for (bucket, holdsObjects) in buckets {
            if holdsObjects {
                var keys: [String] = []
                for try await object in clients.s3.listAllObjects(bucket: bucket) {
                    keys.append(object.key)
                    if keys.count == 1000 {
                        _ = try await clients.s3.deleteObjects(bucket: bucket, keys: keys)
                        keys.removeAll()
                    }
                }
                if !keys.isEmpty { _ = try await clients.s3.deleteObjects(bucket: bucket, keys: keys) }
            }
            try await clients.s3.deleteBucket(bucket)
            print("deleted bucket \(bucket)")
        }
    }

    /// The queue's URL, or nil when it does not exist (each queue is deleted on its own, so a
    /// half-done teardown can be run again).
    private func existingQueueURL(_ nameOrURL: String, _ clients: ServiceClients) async throws -> String? {
        do {
            let url = try await clients.queueURL(nameOrURL)
            _ = try await clients.sqs.getQueueAttributes(queueUrl: url, names: ["QueueArn"])  // a URL given as such may be gone
            return url
        } catch let error as AWSServiceError where error.isQueueDoesNotExist {
            return nil
        }
    }
}
