import ArgumentParser
import ThumbCommandLine
import ThumbService

/// `thumbctl watch BUCKET`: thumbnails for every photo written to a bucket.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a bucket's new objects to the queue: a queue-policy statement and a notification entry; the bucket's other notifications are kept.",
        discussion: """
            Adds a statement to the queue's policy that lets S3 send from the bucket (aws:SourceArn, aws:SourceAccount), \
            then an entry of ours in the bucket's notification configuration, written back with everything else it held. \
            Run it again to change the filter; thumbctl unwatch removes exactly what it added.
            """)

    @OptionGroup var options: ServiceOptions
    @Argument(help: "The bucket to watch.") var bucket: String
    @Option(help: "Only keys starting with this.") var prefix: String?
    @Option(parsing: .singleValue, help: "Only keys ending with this (repeat for several: --suffix .jpg --suffix .png).")
    var suffix: [String] = []
    @Flag(help: "Also delete a removed object's thumbnails (subscribes s3:ObjectRemoved:*).") var removals = false
    @Option(help: "The bucket owner's account, when it is not the queue's.") var sourceAccount: String?
    @Flag(help: "Watch even when the filter matches the keys our thumbnails get in this bucket.") var allowOverlap = false

    func run() async throws {
        let (settings, clients) = try await options.load()
        let watch = try await BucketWatch(settings: settings, clients: clients)
        let filter = BucketWatch.Filter(prefix: prefix, suffixes: suffix, removals: removals)
        for line in try await watch.watch(bucket: bucket, filter: filter, sourceAccount: sourceAccount, allowOverlap: allowOverlap) {
            print(line)
        }
    }
}

/// `thumbctl unwatch BUCKET`: undoes `watch`, and nothing else.
struct Unwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop sending a bucket's objects to the queue: removes our notification entry and policy statement, nothing else.")

    @OptionGroup var options: ServiceOptions
    @Argument(help: "The bucket to stop watching.") var bucket: String

    func run() async throws {
        let (settings, clients) = try await options.load()
        for line in try await BucketWatch(settings: settings, clients: clients).unwatch(bucket: bucket) { print(line) }
    }
}
