import Imaging

/// One source image to thumbnail, with every size to make from it.
public struct Job: Sendable, Equatable {
    public var id: String?
    public var bucket: String
    public var key: String
    public var sizes: [SizeRequest]
    public var outputBucket: String?
    public var keyTemplate: String?
    /// The formats to write every size in (`format` or `formats` in the message), in order; nil for
    /// `THUMBD_FORMAT`. Distinct file extensions: each output needs a key of its own.
    public var formats: [OutputFormat]?
    public var quality: Int?
    /// Came from an S3 event notification (the recursion guard applies to those).
    public var fromS3Event = false
    /// The source was removed (an `ObjectRemoved` event, or EventBridge's `Object Deleted`): delete
    /// the thumbnails its `sizes` made (the default sizes and format) instead of making them.
    public var removal = false
    /// The job record this message runs (`job_id`; messages of thumbd-api), in `THUMBD_JOBS_TABLE`.
    public var recordId: String?
    /// The `X-Request-Id` of the API request behind the job (`request_id`), for the job log line.
    public var requestId: String?

    public init(
        id: String? = nil, bucket: String, key: String, sizes: [SizeRequest], outputBucket: String? = nil,
        keyTemplate: String? = nil, formats: [OutputFormat]? = nil, quality: Int? = nil
    ) {
        self.id = id
        self.bucket = bucket
        self.key = key
        self.sizes = sizes
        self.outputBucket = outputBucket
        self.keyTemplate = keyTemplate
        self.formats = formats
        self.quality = quality
    }
}

extension Job {
    /// The bucket this job's thumbnails go to: the job's `output_bucket`, else `THUMBD_OUTPUT_BUCKET`,
    /// else the source bucket. Decided here only.
    public func destinationBucket(settings: Settings) -> String {
        outputBucket ?? settings.outputBucket ?? bucket
    }

    /// The formats every size is written in: the job's, else `THUMBD_FORMAT`.
    public func outputFormats(settings: Settings) -> [OutputFormat] { formats ?? [settings.format] }

    /// Every thumbnail this job makes, each size in each format (sizes outer, formats inner: the order
    /// of `Thumbnailer`'s results and of the job record's outputs), with where it goes:
    /// `destinationBucket`, and keys from the job's template, else the setting.
    public func outputs(settings: Settings) -> [(bucket: String, key: String, size: SizeRequest, format: OutputFormat)] {
        let bucket = destinationBucket(settings: settings)
        let template = keyTemplate ?? settings.keyTemplate
        return sizes.flatMap { size in
            outputFormats(settings: settings).map { format in
                (bucket, KeyTemplate.render(template, sourceKey: key, size: size, format: format), size, format)
            }
        }
    }

    /// Several formats need `{ext}` in the key template, or each would overwrite the last at one key.
    /// (Sizes that share a key are not refused: they never were, and the last one written stays.)
    /// - Throws: `JobError` `invalid_field`.
    public func checkFormatsHaveKeys(settings: Settings) throws {
        let template = keyTemplate ?? settings.keyTemplate
        guard outputFormats(settings: settings).count <= 1 || template.contains("{ext}") else {
            throw JobError(.invalidField, "formats needs {ext} in the key template (\(template)): each format is written to a key of its own")
        }
    }

    /// The most thumbnails one message may ask for, sizes times formats: each is resampled or encoded
    /// within one job's deadline (`THUMBD_JOB_TIMEOUT`), and AVIF takes about 0.2 s of CPU at 400 px.
    public static let maxOutputs = 40

    /// - Throws: `JobError` `too_many_sizes` when `sizes` x `formats` is over `maxOutputs`.
    public static func checkOutputCount(sizes: Int, formats: Int) throws {
        guard sizes * formats <= maxOutputs else {
            throw JobError(
                .tooManySizes, "\(sizes) sizes in \(formats) formats make \(sizes * formats) thumbnails; at most \(maxOutputs) a job")
        }
    }

    /// An S3 event for one of our own thumbnails (written to the bucket it came from, with a key the
    /// output template makes): thumbnailing it again would loop forever, so it is skipped.
    public func isOwnThumbnail(settings: Settings) -> Bool {
        fromS3Event && destinationBucket(settings: settings) == bucket && KeyTemplate.matchesOutput(key, template: settings.keyTemplate)
    }
}

/// What one SQS message asks for.
public enum JobMessage: Sendable, Equatable {
    /// Thumbnail these, or remove their thumbnails (one message can hold several S3 event records).
    case jobs([Job])
    /// Nothing to do and nothing wrong (S3's `s3:TestEvent`, events that neither create nor remove an object).
    case ignore(reason: String)
}
