/// Pixels fresh from a decoder, with what the pipeline needs to finish them.
public struct DecodedImage: Sendable {
    /// Pixels at the decoded size (possibly shrunk on load), in stored (not upright) orientation.
    public var buffer: PixelBuffer
    /// Width and height of the full image as stored in the file.
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var orientation: Orientation
    /// The embedded ICC profile, when there is one and it is not sRGB's.
    public var iccProfile: [UInt8]?
    public var format: ImageFormat
    /// The DCT scaling denominator used (1, 2, 4 or 8; always 1 for PNG).
    public var shrinkOnLoad: Int

    /// Upright full-size dimensions.
    public var uprightSourceSize: (width: Int, height: Int) {
        orientation.swapsDimensions ? (sourceHeight, sourceWidth) : (sourceWidth, sourceHeight)
    }
}

/// Decodes any supported image, told apart by its bytes.
public enum ImageDecoder {
    /// - Parameter minimumSize: the smallest decoded size (stored orientation) the caller can work from;
    ///   a JPEG is then shrunk on load as far as that allows.
    public static func decode(
        _ data: UnsafeBufferPointer<UInt8>, minimumSize: (width: Int, height: Int)? = nil, limits: ImagingLimits = ImagingLimits()
    ) throws -> DecodedImage {
        try limits.checkInput(byteCount: data.count)
        return try decode(data, header: probe(data), minimumSize: minimumSize, limits: limits)
    }

    /// Decodes with a header already read by `probe`, so markers, chunks and the embedded profile are
    /// read once.
    public static func decode(
        _ data: UnsafeBufferPointer<UInt8>, header: ImageHeader, minimumSize: (width: Int, height: Int)? = nil,
        limits: ImagingLimits = ImagingLimits()
    ) throws -> DecodedImage {
        switch header.parsed {
        case .jpeg(let markers):
            return try JPEGDecoder.decode(data, markers: markers, minimumSize: minimumSize, limits: limits)
        case .png(let chunks):
            return try PNGDecoder.decode(data, chunks: chunks, limits: limits)
        }
    }

    /// The header: format, dimensions and orientation, without decoding pixels.
    public static func probe(_ data: UnsafeBufferPointer<UInt8>) throws -> ImageHeader {
        switch ImageFormat.detect(data) {
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
    }

    let parsed: Parsed
}

extension ImagingError {
    /// "unsupported format: gif (thumbd reads JPEG and PNG)", or "unknown" for bytes of no known format.
    static func unsupported(_ format: ImageFormat?) -> ImagingError {
        ImagingError(.unsupportedFormat, "unsupported format: \(format?.rawValue ?? "unknown") (thumbd reads JPEG and PNG)")
    }
}
