import AWSKit
import ArgumentParser
import Foundation
import ThumbCommandLine
import ThumbService

/// `thumbctl setup`: the queue, its dead-letter queue and redrive policy, and an output bucket that
/// accepts public-read thumbnails on today's AWS; with the web tier's settings also the jobs table
/// (`THUMBD_JOBS_TABLE`: TTL on, the owner index) and the private upload bucket
/// (`THUMBD_UPLOAD_BUCKET`: objects expire after `THUMBD_JOB_TTL`). Safe to run again.
struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the queue, its dead-letter queue and the output bucket; the jobs table and upload bucket when set (idempotent).")

    @OptionGroup var options: ServiceOptions
    @Option(help: "Bucket for thumbnails, made public-readable (THUMBD_OUTPUT_BUCKET; none: thumbnails go to each source bucket).")
    var outputBucket: String?
    @Option(help: "Receives before a message goes to the dead-letter queue (THUMBD_MAX_RECEIVE_COUNT, default 5).")
    var maxReceiveCount: Int?
    @Option(help: "The queue's visibility timeout, seconds (THUMBD_VISIBILITY_TIMEOUT, default 60).") var visibilityTimeout: Int?
    @Flag(help: "Make the bucket public with a bucket policy instead of object ACLs.") var publicPolicy = false
    @Option(help: "The DynamoDB table of job records and API keys (THUMBD_JOBS_TABLE).") var jobsTable: String?
    @Option(help: "The private bucket for uploaded originals (THUMBD_UPLOAD_BUCKET).") var uploadBucket: String?

    func run() async throws {
        let (settings, clients) = try await options.load(adding: [
            "THUMBD_OUTPUT_BUCKET": outputBucket, "THUMBD_JOBS_TABLE": jobsTable, "THUMBD_UPLOAD_BUCKET": uploadBucket,
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
        let queueURL: String
        do {
            queueURL = try await clients.sqs.createQueue(name: queueName, attributes: attributes)
        } catch let error as AWSServiceError where error.code == "QueueAlreadyExists" || error.code == "QueueNameExists" {
            // Exists with other attributes: bring them to what setup wants.
            queueURL = try await clients.sqs.getQueueUrl(name: queueName)
        }
        try await clients.sqs.setQueueAttributes(queueUrl: queueURL, attributes: attributes)

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
        print("queue:  \(queueURL)")
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
    }
}

/// `thumbctl teardown`: deletes what setup made; a bucket with objects only with --force.
struct Teardown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete the queue (unwatching the buckets thumbctl watch connected to it), the dead-letter queue, the output bucket, and the jobs table and upload bucket when set.")

    @OptionGroup var options: ServiceOptions
    @Option(help: "The output bucket to delete (THUMBD_OUTPUT_BUCKET).") var outputBucket: String?
    @Option(help: "The jobs table to delete (THUMBD_JOBS_TABLE).") var jobsTable: String?
    @Option(help: "The upload bucket to delete (THUMBD_UPLOAD_BUCKET).") var uploadBucket: String?
    @Flag(help: "Delete buckets even when they hold objects (they are deleted first).") var force = false

    func run() async throws {
        let (settings, clients) = try await options.load(adding: [
            "THUMBD_OUTPUT_BUCKET": outputBucket, "THUMBD_JOBS_TABLE": jobsTable, "THUMBD_UPLOAD_BUCKET": uploadBucket,
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
        for name in [queue, dlq] {
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
