import AWSKit
import Foundation
import Imaging
import ThreadPool

/// Runs one job: downloads the source, makes every size from one decode on a dedicated thread (never
/// on Swift's cooperative pool), uploads the outputs concurrently. The same job run twice writes the
/// same bytes to the same keys, so at-least-once delivery is harmless.
public struct JobRunner: Sendable {
    public let s3: S3Client
    public let settings: Settings
    let pool: BlockingThreadPool<Void>
    let memory: DecodeMemoryBudget

    public init(s3: S3Client, settings: Settings) {
        self.s3 = s3
        self.settings = settings
        pool = BlockingThreadPool(name: "thumbnail", maxThreads: settings.concurrency) { () }
        memory = DecodeMemoryBudget(capacity: settings.decodeMemoryBytes)
    }

    /// What a finished job produced and how long each stage took.
    public struct Outcome: Sendable {
        public var outputs: [(bucket: String, key: String, width: Int, height: Int, bytes: Int, format: OutputFormat)] = []
        /// The source's ThumbHash and average colour (nil for a removal).
        public var placeholder: Placeholder?
        /// The thumbnails a removal deleted (if they were there: DeleteObjects does not say).
        public var removed: [(bucket: String, key: String)] = []
        public var bytesIn = 0
        /// What the source turned out to be (format, upright size).
        public var source: SourceInfo?
        public var bytesOut = 0
        public var download: Duration = .zero
        public var decode: Duration = .zero
        public var resize: Duration = .zero
        public var encode: Duration = .zero
        public var upload: Duration = .zero
    }

    /// Deletes the thumbnails `job` would make (`Job.outputs`) in every format: what follows an `ObjectRemoved`
    /// event, unless the source is there again (SQS does not keep order, so a delete and a new upload
    /// of the key can arrive the other way round; in a versioned bucket an older version's removal
    /// leaves the object). Idempotent: S3's DeleteObjects reports a key that is not there as deleted.
    /// - Returns: the keys deleted if they were there (`Outcome.removed`), or nil when the source
    ///   exists and nothing was deleted.
    /// - Throws: `JobError` `upload_failed` (transient) when a delete is refused or cannot be sent;
    ///   the download codes when the source cannot be checked.
    public func removeOutputs(_ job: Job) async throws -> Outcome? {
        do {
            _ = try await s3.headObject(bucket: job.bucket, key: job.key)
            return nil
        } catch let error as AWSServiceError where [403, 404].contains(error.status) {
            // Gone (403 too: without s3:ListBucket, S3 answers a missing key with 403).
        } catch {
            throw JobError.fromDownload(error, bucket: job.bucket, key: job.key)
        }
        var outcome = Outcome()
        let start = ContinuousClock.now
        // Every extension, not only THUMBD_FORMAT's: thumbnails made by a job with `formats`, or under
        // an earlier setting, go too (a key that is not there is no error to DeleteObjects).
        var every = job
        every.formats = OutputFormat.allCases.reduce(into: [OutputFormat]()) { kept, format in
            if !kept.contains(where: { $0.fileExtension == format.fileExtension }) { kept.append(format) }
        }
        if !(job.keyTemplate ?? settings.keyTemplate).contains("{ext}") { every.formats = job.formats }
        let outputs = every.outputs(settings: settings)
        for bucket in Set(outputs.map(\.bucket)).sorted() {
            let keys = outputs.filter { $0.bucket == bucket }.map(\.key)
            do {
                let result = try await s3.deleteObjects(bucket: bucket, keys: keys)
                if let failure = result.errors.first {
                    throw JobError(.uploadFailed, "removing s3://\(bucket)/\(failure.key) failed: \(failure.code)", transient: true)
                }
            } catch let error as JobError {
                throw error
            } catch {
                let detail = (error as? AWSServiceError)?.description ?? "\(error)"
                throw JobError(.uploadFailed, "removing the thumbnails in s3://\(bucket) failed: \(detail)", transient: true)
            }
            outcome.removed += keys.map { (bucket, $0) }
        }
        outcome.upload = start.duration(to: .now)
        return outcome
    }

    /// Downloads, thumbnails and uploads one job; idempotent.
    /// - Returns: the outputs (bucket, key, pixel size, bytes) and each stage's duration.
    /// - Throws: `JobError` classified by stage (download, imaging, memory budget, upload), or
    ///   `CancellationError` when the task is cancelled.
    public func run(_ job: Job) async throws -> Outcome {
        try job.checkFormatsHaveKeys(settings: settings)
        var outcome = Outcome()
        let clock = ContinuousClock()
        var start = clock.now
        let source: S3Object
        do {
            source = try await s3.getObject(bucket: job.bucket, key: job.key, maxBytes: settings.limits.maxInputBytes)
        } catch {
            throw JobError.fromDownload(error, bucket: job.bucket, key: job.key)
        }
        outcome.download = start.duration(to: clock.now)
        outcome.bytesIn = source.body.count

        let quality = job.quality ?? settings.quality
        let outputs = job.outputs(settings: settings)
        let specs = outputs.map {
            ThumbnailSpec(width: $0.size.width, height: $0.size.height, mode: $0.size.mode, format: $0.format, quality: quality)
        }
        let thumbnailer = Thumbnailer(limits: settings.limits, background: settings.background, avifSpeed: settings.avifSpeed)
        let body = source.body
        let result: Thumbnailer.Result
        do {
            let plan = try await pool.run { _ in
                try body.withUnsafeBytes { try thumbnailer.plan($0.bindMemory(to: UInt8.self), specs: specs) }
            }
            result = try await memory.withReservation(plan.estimatedMemoryBytes) { [pool] in
                try await pool.run { _ in
                    try body.withUnsafeBytes { try thumbnailer.makeThumbnails(from: $0.bindMemory(to: UInt8.self), plan: plan) }
                }
            }
        } catch let error as ImagingError {
            throw JobError.fromImaging(error)
        } catch let error as DecodeMemoryBudget.OverBudget {
            throw JobError(.overMemoryBudget,
                "decoding this image takes about \(error.bytes >> 20) MB, over the \(error.capacity >> 20) MB of THUMBD_DECODE_MEMORY_MB")
        }
        outcome.source = result.source
        outcome.placeholder = result.placeholder
        outcome.decode = result.timings.decode
        outcome.resize = result.timings.resize
        outcome.encode = result.timings.encode

        start = clock.now
        let acl: S3CannedACL? =
            switch settings.acl {
            case .publicRead: .publicRead
            case .private: .private
            case .none: nil
            }
        // The placeholder travels with every thumbnail (x-amz-meta-thumbhash, x-amz-meta-average-color),
        // so a page that lists the bucket has it without the job record.
        let metadata = [
            "source": "s3://\(job.bucket)/\(job.key)", "source-etag": source.info.eTag ?? "",
            "thumbhash": result.placeholder.thumbHashBase64, "average-color": result.placeholder.averageColor,
        ]
        let uploads = zip(outputs, result.thumbnails).map { output, thumbnail in
            (bucket: output.bucket, key: output.key, thumbnail: thumbnail)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for upload in uploads {
                group.addTask {
                    do {
                        try await s3.putObject(
                            bucket: upload.bucket, key: upload.key, body: Data(upload.thumbnail.bytes),
                            options: PutObjectOptions(
                                contentType: upload.thumbnail.spec.format.contentType, acl: acl, cacheControl: settings.cacheControl,
                                metadata: metadata.filter { !$0.value.isEmpty }.mapValues(Self.asciiMetadata)))
                    } catch {
                        throw JobError.fromUpload(error, bucket: upload.bucket, key: upload.key)
                    }
                }
            }
            try await group.waitForAll()
        }
        outcome.upload = start.duration(to: clock.now)
        for upload in uploads {
            outcome.outputs.append(
                (upload.bucket, upload.key, upload.thumbnail.width, upload.thumbnail.height, upload.thumbnail.bytes.count,
                 upload.thumbnail.spec.format))
            outcome.bytesOut += upload.thumbnail.bytes.count
        }
        return outcome
    }

    /// S3 user metadata travels in HTTP headers: non-ASCII is percent-encoded.
    static func asciiMetadata(_ value: String) -> String {
        value.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 }
            ? value : (value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "")
    }
}
