/// The file format of a thumbnail.
public enum OutputFormat: String, Sendable, CaseIterable {
    case jpeg, png

    public var fileExtension: String { self == .jpeg ? "jpg" : "png" }
    public var contentType: String { self == .jpeg ? "image/jpeg" : "image/png" }
}

/// One thumbnail to make: the box, how to fit it, and how to encode it.
public struct ThumbnailSpec: Sendable, Hashable {
    public var width: Int?
    public var height: Int?
    public var mode: ResizeMode
    public var format: OutputFormat
    /// JPEG quality, 1 to 100.
    public var quality: Int
    public var progressive: Bool
    /// Allow output larger than the source.
    public var enlarge: Bool

    public init(
        width: Int?, height: Int?, mode: ResizeMode = .fit, format: OutputFormat = .jpeg, quality: Int = 85,
        progressive: Bool = false, enlarge: Bool = false
    ) {
        self.width = width
        self.height = height
        self.mode = mode
        self.format = format
        self.quality = quality
        self.progressive = progressive
        self.enlarge = enlarge
    }
}

/// An encoded thumbnail.
public struct Thumbnail: Sendable {
    public let spec: ThumbnailSpec
    public let width: Int
    public let height: Int
    public let bytes: [UInt8]
}

/// Where the time went, summed over every thumbnail of one source.
public struct ThumbnailTimings: Sendable {
    public var decode: Duration = .zero
    public var resize: Duration = .zero
    public var encode: Duration = .zero
}

/// What the source turned out to be.
public struct SourceInfo: Sendable {
    public let format: ImageFormat
    /// Upright size.
    public let width: Int
    public let height: Int
    public let orientation: Orientation
    /// The DCT scaling used on load (1 when none).
    public let shrinkOnLoad: Int
}
