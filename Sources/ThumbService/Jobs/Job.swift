import Imaging

/// One source image to thumbnail, with every size to make from it.
public struct Job: Sendable, Equatable {
    public var id: String?
    public var bucket: String
    public var key: String
    public var sizes: [SizeRequest]
    public var outputBucket: String?
    public var keyTemplate: String?
    public var format: OutputFormat?
    public var quality: Int?
    /// Came from an S3 event notification (the recursion guard applies to those).
    public var fromS3Event = false

    public init(
        id: String? = nil, bucket: String, key: String, sizes: [SizeRequest], outputBucket: String? = nil,
        keyTemplate: String? = nil, format: OutputFormat? = nil, quality: Int? = nil
    ) {
        self.id = id
        self.bucket = bucket
        self.key = key
        self.sizes = sizes
        self.outputBucket = outputBucket
        self.keyTemplate = keyTemplate
        self.format = format
        self.quality = quality
    }
}

extension Job {
    /// Where each size's thumbnail goes: the job's output bucket, else the setting, else the source
    /// bucket; keys from the job's template, else the setting. In the order of `sizes`.
    public func outputs(settings: Settings) -> [(bucket: String, key: String)] {
        let bucket = outputBucket ?? settings.outputBucket ?? self.bucket
        let format = self.format ?? settings.format
        return sizes.map { (bucket, KeyTemplate.render(keyTemplate ?? settings.keyTemplate, sourceKey: key, size: $0, format: format)) }
    }
}

/// What one SQS message asks for.
public enum JobMessage: Sendable, Equatable {
    /// Thumbnail these (one message can hold several S3 event records).
    case jobs([Job])
    /// Nothing to do and nothing wrong (S3's `s3:TestEvent`, events that are not object creations).
    case ignore(reason: String)
}
