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
        switch ImageFormat.detect(data) {
        case .jpeg:
            return try JPEGDecoder.decode(data, minimumSize: minimumSize, limits: limits)
        case .png:
            return try PNGDecoder.decode(data, limits: limits)
        case let other:
            throw ImagingError.unsupported(other)
        }
    }

    /// The header's dimensions and orientation, without decoding pixels.
    public static func probe(_ data: UnsafeBufferPointer<UInt8>) throws -> (width: Int, height: Int, orientation: Orientation, format: ImageFormat) {
        switch ImageFormat.detect(data) {
        case .jpeg:
            let markers = JPEGMarkers(data)
            guard markers.foundFrame else { throw ImagingError(.corrupt, "no JPEG frame header") }
            return (markers.width, markers.height, markers.orientation, .jpeg)
        case .png:
            let chunks = PNGChunks(data)
            guard chunks.foundHeader else { throw ImagingError(.corrupt, "no PNG header chunk") }
            return (chunks.width, chunks.height, chunks.orientation, .png)
        case let other:
            throw ImagingError.unsupported(other)
        }
    }
}

extension ImagingError {
    /// "unsupported format: gif (thumbd reads JPEG and PNG)", or "unknown" for bytes of no known format.
    static func unsupported(_ format: ImageFormat?) -> ImagingError {
        ImagingError(.unsupportedFormat, "unsupported format: \(format?.rawValue ?? "unknown") (thumbd reads JPEG and PNG)")
    }
}
