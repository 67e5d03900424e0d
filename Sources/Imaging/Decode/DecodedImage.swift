/// Pixels fresh from a decoder, with what the pipeline needs to finish them.
public struct DecodedImage: Sendable {
    /// Pixels at the decoded size (possibly shrunk on load), in stored (not upright) orientation: the
    /// whole image, or the part of it `region` says.
    public var buffer: PixelBuffer
    /// Where `buffer` lies in the whole decoded image (`decodedWidth` x `decodedHeight`): all of it,
    /// unless a JPEG was decoded only where `fill` crops read it (`ImageDecoder.decode`'s `region`).
    public var region: PixelRect
    /// The whole decoded image's size (stored orientation), after any shrink-on-load.
    public var decodedWidth: Int
    public var decodedHeight: Int
    /// Width and height of the full image as stored in the file.
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var orientation: Orientation
    /// The embedded ICC profile, when there is one and it is not sRGB's.
    public var iccProfile: [UInt8]?
    public var format: ImageFormat
    /// The JPEG DCT scaling denominator used (1, 2, 4 or 8; 1 for the other formats).
    public var shrinkOnLoad: Int
    /// Full-size pixels per decoded pixel, across and down: the JPEG denominator, libwebp's scaled
    /// decoding factor, or a HEIF's box factor (times an embedded thumbnail's ratio to the image);
    /// 1 when decoded at full size.
    public var loadScale: (x: Double, y: Double)

    public init(
        buffer: PixelBuffer, sourceWidth: Int, sourceHeight: Int, orientation: Orientation, iccProfile: [UInt8]?,
        format: ImageFormat, shrinkOnLoad: Int, scale: (x: Double, y: Double)? = nil, region: PixelRect? = nil,
        decodedSize: (width: Int, height: Int)? = nil
    ) {
        self.buffer = buffer
        self.region = region ?? PixelRect(width: buffer.width, height: buffer.height)
        (decodedWidth, decodedHeight) = decodedSize ?? (buffer.width, buffer.height)
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.orientation = orientation
        self.iccProfile = iccProfile
        self.format = format
        self.shrinkOnLoad = shrinkOnLoad
        self.loadScale = scale ?? (Double(shrinkOnLoad), Double(shrinkOnLoad))
    }

    /// Upright full-size dimensions.
    public var uprightSourceSize: (width: Int, height: Int) {
        orientation.swapsDimensions ? (sourceHeight, sourceWidth) : (sourceWidth, sourceHeight)
    }
}

/// Decodes any supported image, told apart by its bytes.
public enum ImageDecoder {
    /// The part of the decoded image a caller reads, given the whole decoded image's size (stored
    /// orientation) and how many full-size pixels one decoded pixel stands for; `nil`: all of it.
    public typealias RegionChooser = @Sendable (_ decodedWidth: Int, _ decodedHeight: Int, _ loadScale: Double) -> PixelRect?

    /// - Parameter minimumSize: the smallest decoded size (stored orientation) the caller can work from;
    ///   a JPEG, WebP or HEIF is then shrunk on load as far as that allows.
    public static func decode(
        _ data: UnsafeBufferPointer<UInt8>, minimumSize: (width: Int, height: Int)? = nil, limits: ImagingLimits = ImagingLimits()
    ) throws -> DecodedImage {
        try limits.checkInput(byteCount: data.count)
        return try decode(data, header: probe(data), minimumSize: minimumSize, limits: limits)
    }

    /// Decodes with a header already read by `probe`, so markers, chunks and the embedded profile are
    /// read once.
    /// - Parameter region: the part of the decoded image the caller reads, once its size is known. A
    ///   JPEG is then decoded only there (with a margin of its own): rows below it are never decoded,
    ///   rows above and columns beside it are entropy-decoded only. The other formats decode whole.
    public static func decode(
        _ data: UnsafeBufferPointer<UInt8>, header: ImageHeader, minimumSize: (width: Int, height: Int)? = nil,
        limits: ImagingLimits = ImagingLimits(), region: RegionChooser? = nil
    ) throws -> DecodedImage {
        switch header.parsed {
        case .jpeg(let markers):
            return try JPEGDecoder.decode(data, markers: markers, minimumSize: minimumSize, limits: limits, region: region)
        case .png(let chunks):
            return try PNGDecoder.decode(data, chunks: chunks, limits: limits)
        case .webp(let webp):
            return try WebPDecoder.decode(data, header: webp, minimumSize: minimumSize, limits: limits)
        case .heif(let heif):
            return try HEIFDecoder.decode(data, header: heif, minimumSize: minimumSize, limits: limits)
        case .gif:
            return try GIFDecoder.decode(data, width: header.width, height: header.height, limits: limits)
        }
    }

    /// The header: format, dimensions and orientation, without decoding pixels.
    public static func probe(_ data: UnsafeBufferPointer<UInt8>) throws -> ImageHeader {
        try probe(data, as: ImageFormat.detect(data))
    }

    /// The header of `data` read as `format`, whatever its first bytes say (the fuzz targets read any
    /// bytes as one format this way).
    /// - Throws: `.unsupportedFormat` for a format thumbd does not read (nil: unknown), else the
    ///   format's own header errors.
    static func probe(_ data: UnsafeBufferPointer<UInt8>, as format: ImageFormat?) throws -> ImageHeader {
        switch format {
        case .jpeg:
            let markers = JPEGMarkers(data)
            guard markers.foundFrame else {
                throw markers.endedEarly
                    ? ImagingError(.truncated, "the JPEG data ends before its frame header")
                    : ImagingError(.corrupt, "no JPEG frame header")
            }
            try markers.checkSupported()
            return ImageHeader(format: .jpeg, width: markers.width, height: markers.height, orientation: markers.orientation, parsed: .jpeg(markers))
        case .png:
            let chunks = PNGChunks(data)
            guard chunks.foundHeader else { throw ImagingError(.corrupt, "the PNG has no valid IHDR header chunk") }
            return ImageHeader(format: .png, width: chunks.width, height: chunks.height, orientation: chunks.orientation, parsed: .png(chunks))
        case .webp:
            let webp = try WebPHeader(data)
            return ImageHeader(format: .webp, width: webp.width, height: webp.height, orientation: webp.orientation, parsed: .webp(webp))
        case .heic, .avif:
            let heif = try HEIFHeader(data, format: format!)
            return ImageHeader(format: heif.format, width: heif.width, height: heif.height, orientation: .up, parsed: .heif(heif))
        case .gif:
            let size = try GIFDecoder.probe(data)
            return ImageHeader(format: .gif, width: size.width, height: size.height, orientation: .up, parsed: .gif)
        case let other:
            throw ImagingError.unsupported(other)
        }
    }
}

/// What an image's header says, read once: its format, stored size and orientation, and the parsed
/// markers or chunks (EXIF, ICC profile) the decoder goes on from.
public struct ImageHeader: Sendable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    public let orientation: Orientation

    enum Parsed: Sendable {
        case jpeg(JPEGMarkers)
        case png(PNGChunks)
        case webp(WebPHeader)
        case heif(HEIFHeader)
        case gif
    }

    let parsed: Parsed
}

extension ImagingError {
    /// "unsupported format: tiff (thumbd reads JPEG, PNG, WebP, HEIC, AVIF and GIF)", or "unknown" for
    /// bytes of no known format.
    static func unsupported(_ format: ImageFormat?) -> ImagingError {
        ImagingError(
            .unsupportedFormat, "unsupported format: \(format?.rawValue ?? "unknown") (thumbd reads \(ImageFormat.readableNames))")
    }
}
