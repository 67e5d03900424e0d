import CAVIF

/// What an AVIF's container says, read by libavif's parser without decoding: the stored size, alpha,
/// bit depth, colour, and the `irot`/`imir` transformation as an `Orientation` (applied after
/// resampling, like an EXIF orientation; an EXIF block inside the file is ignored).
struct AVIFHeader: Sendable {
    var width: Int
    var height: Int
    var hasAlpha: Bool
    var bitDepth: Int
    var orientation: Orientation
    /// An ICC profile, or one built from the `nclx` primaries when they are not sRGB's; nil for sRGB.
    var iccProfile: [UInt8]?

    /// - Throws: `.truncated`, `.corrupt` or `.unsupportedFormat` when libavif cannot parse it.
    init(_ data: UnsafeBufferPointer<UInt8>) throws {
        let decoder = try AVIFDecoder.Session(data)
        let image = decoder.image
        width = Int(image.pointee.width)
        height = Int(image.pointee.height)
        hasAlpha = decoder.decoder.pointee.alphaPresent != 0
        bitDepth = Int(image.pointee.depth)
        let flags = image.pointee.transformFlags
        orientation = Self.orientation(
            rotation: flags & UInt32(AVIF_TRANSFORM_IROT.rawValue) != 0 ? Int(image.pointee.irot.angle) : 0,
            mirror: flags & UInt32(AVIF_TRANSFORM_IMIR.rawValue) != 0 ? Int(image.pointee.imir.mode) : nil)
        if image.pointee.icc.size > 0, image.pointee.icc.size <= PNGChunks.maxProfileBytes, let bytes = image.pointee.icc.data {
            let profile = Array(UnsafeBufferPointer(start: bytes, count: image.pointee.icc.size))
            iccProfile = ColorConverter.isSRGB(profile) ? nil : profile
        } else {
            let primaries = image.pointee.colorPrimaries
            if primaries == UInt16(AVIF_COLOR_PRIMARIES_BT709) || primaries == UInt16(AVIF_COLOR_PRIMARIES_UNSPECIFIED) {
                iccProfile = nil
            } else {
                var values = [Float](repeating: 0, count: 8)
                avifColorPrimariesGetValues(primaries, &values)
                iccProfile = ColorConverter.rgbProfile(
                    red: (Double(values[0]), Double(values[1])), green: (Double(values[2]), Double(values[3])),
                    blue: (Double(values[4]), Double(values[5])), white: (Double(values[6]), Double(values[7])))
            }
        }
    }

    /// HEIF's rotation and mirroring (ISO/IEC 23008-12 6.5.10 and 6.5.12: `irot` turns the image
    /// anticlockwise by `angle` x 90 degrees; then `imir` mode 0 exchanges top and bottom, mode 1 left
    /// and right) as the EXIF orientation that shows the stored pixels the same way.
    static func orientation(rotation angle: Int, mirror mode: Int?) -> Orientation {
        guard let mode else { return [Orientation.up, .left, .down, .right][angle & 3] }
        // Top-bottom exchange = a half turn, then left-right.
        let turned = (angle + (mode == 0 ? 2 : 0)) & 3
        return [Orientation.upMirrored, .rightMirrored, .downMirrored, .leftMirrored][turned]
    }
}

/// AVIF through libavif (AV1 by dav1d): 8, 10 or 12 bits to 8, alpha, bilinear chroma upsampling (as
/// browsers and Pillow show AVIF; libheif 1.15 upsamples 4:2:0 chroma nearest-neighbour), ICC or
/// nclx colour; the first frame of an image sequence.
enum AVIFDecoder {
    /// A libavif decoder over the caller's bytes (read in place, only within one call that holds them), parsed.
    final class Session {
        let decoder: UnsafeMutablePointer<avifDecoder>
        var image: UnsafeMutablePointer<avifImage> { decoder.pointee.image }

        /// - Throws: as `AVIFDecoder.error`.
        init(_ data: UnsafeBufferPointer<UInt8>) throws {
            guard let decoder = avifDecoderCreate() else { throw ImagingError(.tooLarge, "not enough memory to read the AVIF") }
            self.decoder = decoder
            decoder.pointee.maxThreads = 1
            // As browsers: a file missing an optional property (pixi, an alpha ispe) still shows.
            decoder.pointee.strictFlags = UInt32(AVIF_STRICT_DISABLED.rawValue)
            decoder.pointee.ignoreExif = 1
            decoder.pointee.ignoreXMP = 1
            var result = avifDecoderSetIOMemory(decoder, data.baseAddress, data.count)
            if result == AVIF_RESULT_OK { result = avifDecoderParse(decoder) }
            // libavif refuses a cut-off mdat as a parse failure: the boxes tell which it was.
            if result == AVIF_RESULT_BMFF_PARSE_FAILED, ISOBMFFBoxes.endsEarly(data) { result = AVIF_RESULT_TRUNCATED_DATA }
            guard result == AVIF_RESULT_OK else { throw AVIFDecoder.error(result, what: "container") }
        }

        deinit { avifDecoderDestroy(decoder) }
    }

    /// - Throws: `ImagingError` `.truncated`, `.corrupt`, `.unsupportedFormat`, `.tooLarge` (over `limits`).
    static func decode(_ data: UnsafeBufferPointer<UInt8>, header: AVIFHeader, limits: ImagingLimits) throws -> DecodedImage {
        try limits.checkDimensions(width: header.width, height: header.height)
        let session = try Session(data)
        let decoded = avifDecoderNextImage(session.decoder)
        guard decoded == AVIF_RESULT_OK else { throw error(decoded, what: "image") }
        let image = session.image
        guard Int(image.pointee.width) == header.width, Int(image.pointee.height) == header.height else {
            throw ImagingError(.corrupt, "the AVIF image is not the size its header gives")
        }
        var pixels = [UInt8].uninitialized(count: header.width * header.height * 4)
        var rgb = avifRGBImage()
        avifRGBImageSetDefaults(&rgb, image)
        rgb.format = AVIF_RGB_FORMAT_RGBA
        rgb.depth = 8
        rgb.chromaUpsampling = AVIF_CHROMA_UPSAMPLING_BILINEAR
        let converted = pixels.withUnsafeMutableBufferPointer { out -> avifResult in
            rgb.pixels = out.baseAddress
            rgb.rowBytes = UInt32(header.width * 4)
            return avifImageYUVToRGB(image, &rgb)
        }
        guard converted == AVIF_RESULT_OK else { throw error(converted, what: "pixels") }
        var buffer = PixelBuffer(width: header.width, height: header.height, channels: 4, pixels: pixels, hasAlpha: header.hasAlpha)
        if image.pointee.alphaPremultiplied != 0 {
            buffer.isPremultiplied = true
            Alpha.unpremultiply(&buffer)
        }
        return DecodedImage(
            buffer: buffer, sourceWidth: header.width, sourceHeight: header.height, orientation: header.orientation,
            iccProfile: header.iccProfile, format: .avif, shrinkOnLoad: 1)
    }

    static func error(_ result: avifResult, what: String) -> ImagingError {
        let message = String(cString: avifResultToString(result))
        switch result {
        case AVIF_RESULT_TRUNCATED_DATA:
            return ImagingError(.truncated, "the AVIF data ends early (in its \(what): \(message))")
        case AVIF_RESULT_NO_CODEC_AVAILABLE, AVIF_RESULT_NOT_IMPLEMENTED:
            return ImagingError(.unsupportedFormat, "unsupported AVIF \(what): \(message)")
        case AVIF_RESULT_OUT_OF_MEMORY:
            return ImagingError(.tooLarge, "not enough memory for the AVIF \(what)")
        default:
            return ImagingError(.corrupt, "the AVIF \(what) cannot be decoded (\(message))")
        }
    }
}
