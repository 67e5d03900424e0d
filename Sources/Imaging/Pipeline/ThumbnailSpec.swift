/// The file format of a thumbnail.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Baseline (or progressive) JPEG through TurboJPEG; transparency flattened onto the background.
    case jpeg
    /// Lossless PNG, alpha kept.
    case png
    /// Lossy WebP at `quality`, alpha kept (libwebp).
    case webp
    /// Lossless WebP, alpha kept; `quality` is ignored.
    case webpLossless = "webp-lossless"
    /// AVIF (AV1 in HEIF, libheif and libaom): 8-bit 4:2:0, alpha kept, at `quality` (libheif's scale).
    case avif

    /// The key template's `{ext}`.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp, .webpLossless: "webp"
        case .avif: "avif"
        }
    }

    /// The media type stored as the object's Content-Type.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp, .webpLossless: "image/webp"
        case .avif: "image/avif"
        }
    }

    /// Whether the format keeps an alpha channel (JPEG does not: transparent pixels are flattened).
    public var keepsAlpha: Bool { self != .jpeg }
}

/// One thumbnail to make: the box, how to fit it, and how to encode it.
public struct ThumbnailSpec: Sendable, Hashable {
    public var width: Int?
    public var height: Int?
    public var mode: ResizeMode
    public var format: OutputFormat
    /// Quality, 1 to 100: JPEG's, WebP's (libwebp's `quality`), or AVIF's (libheif's, which
    /// maps it to AV1's quantizer as libvips' `Q` does). Ignored for PNG and lossless WebP.
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
    /// The size decoded (stored orientation), after any shrink-on-load.
    public let decodedWidth: Int
    public let decodedHeight: Int
    /// The part of that decoded: all of it, or where `fill` crops read a JPEG.
    public let decodedRegion: PixelRect
}
