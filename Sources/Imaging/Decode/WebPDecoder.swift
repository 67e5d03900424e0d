import CWebP

/// What a WebP's header says: the canvas size, alpha and animation flags, and its EXIF orientation and
/// ICC profile (the `EXIF` and `ICCP` chunks of the extended format), read by libwebp's demuxer.
struct WebPHeader: Sendable {
    var width: Int
    var height: Int
    var hasAlpha: Bool
    var isAnimated: Bool
    /// VP8L: decoded whole, whatever the scale (`ThumbnailPlan` counts it).
    var isLossless: Bool
    var orientation: Orientation
    var iccProfile: [UInt8]?

    /// - Throws: `.truncated` when the data ends inside the header, `.corrupt` when it is no WebP
    ///   libwebp can read.
    init(_ data: UnsafeBufferPointer<UInt8>) throws {
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeatures(data.baseAddress, data.count, &features)
        guard status == VP8_STATUS_OK else { throw WebPDecoder.error(status, what: "header") }
        width = Int(features.width)
        height = Int(features.height)
        hasAlpha = features.has_alpha != 0
        isAnimated = features.has_animation != 0
        isLossless = features.format == 2
        orientation = .up
        iccProfile = nil
        // The RIFF header's length (RFC 9649 2.4) past the end of the data: cut short.
        let declared = data.count >= 8 ? (8 + (0..<4).reduce(0) { $0 | Int(data[4 + $1]) << (8 * $1) }) : 0
        let cutShort = declared > data.count
        // The metadata chunks, read by the demuxer, which takes only whole files.
        var webpData = WebPData(bytes: data.baseAddress, size: data.count)
        guard let demux = WebPDemux(&webpData) else {
            // An extended file announcing EXIF (VP8X flags, RFC 9649 2.7) whose EXIF we cannot reach
            // would be shown unturned: only the whole file says how it stands.
            let announcesEXIF = data.count > 20 && Array(data[12..<16]) == Array("VP8X".utf8) && data[20] & 0x08 != 0
            if cutShort && (announcesEXIF || isAnimated) {
                throw ImagingError(.truncated, "the WebP data ends early (before its metadata)")
            }
            if isAnimated { throw ImagingError(.corrupt, "the animated WebP cannot be read") }
            return
        }
        defer { WebPDemuxDelete(demux) }
        width = Int(WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH))
        height = Int(WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT))
        if let exif = Self.chunk("EXIF", in: demux) {
            // Some writers keep JPEG's "Exif\0\0" prefix before the TIFF header.
            let prefix: [UInt8] = Array("Exif\0\0".utf8)
            orientation = Orientation.fromTIFF(exif.starts(with: prefix) ? exif.dropFirst(prefix.count) : exif[...])
        }
        if let profile = Self.chunk("ICCP", in: demux), profile.count <= PNGChunks.maxProfileBytes, !ColorConverter.isSRGB(profile) {
            iccProfile = profile
        }
    }

    private static func chunk(_ fourCC: String, in demux: OpaquePointer) -> [UInt8]? {
        var iterator = WebPChunkIterator()
        guard WebPDemuxGetChunk(demux, fourCC, 1, &iterator) != 0 else { return nil }
        defer { WebPDemuxReleaseChunkIterator(&iterator) }
        guard let bytes = iterator.chunk.bytes else { return nil }
        return Array(UnsafeBufferPointer(start: bytes, count: iterator.chunk.size))
    }
}

/// WebP through libwebp: lossy, lossless and alpha, shrunk on load with libwebp's own scaled decoding
/// (its rescaler averages the rows it decodes, so the full-size image is never held), and the first
/// frame of an animation, composed on its canvas by libwebpdemux's animation decoder.
enum WebPDecoder {
    /// - Parameter minimumSize: the smallest decoded size (stored orientation) the caller can work
    ///   from; the decode is scaled down to no less than that (`scaledSize`).
    /// - Throws: `ImagingError` `.truncated`, `.corrupt`, `.unsupportedFormat` (a feature libwebp does
    ///   not support), `.tooLarge` (over `limits`).
    static func decode(
        _ data: UnsafeBufferPointer<UInt8>, header: WebPHeader, minimumSize: (width: Int, height: Int)?, limits: ImagingLimits
    ) throws -> DecodedImage {
        try limits.checkDimensions(width: header.width, height: header.height)
        if header.isAnimated { return try decodeFirstFrame(data, header: header) }
        let size = scaledSize(width: header.width, height: header.height, minimum: minimumSize)
        var config = WebPDecoderConfig()
        guard WebPInitDecoderConfig(&config) != 0 else { throw ImagingError(.corrupt, "libwebp's decoder version does not match") }
        var pixels = [UInt8].uninitialized(count: size.width * size.height * 4)
        let status = pixels.withUnsafeMutableBufferPointer { out -> VP8StatusCode in
            if size.width != header.width || size.height != header.height {
                config.options.use_scaling = 1
                config.options.scaled_width = Int32(size.width)
                config.options.scaled_height = Int32(size.height)
            }
            config.output.colorspace = MODE_RGBA
            config.output.is_external_memory = 1
            config.output.u.RGBA.rgba = out.baseAddress
            config.output.u.RGBA.stride = Int32(size.width * 4)
            config.output.u.RGBA.size = out.count
            let status = WebPDecode(data.baseAddress, data.count, &config)
            WebPFreeDecBuffer(&config.output)
            return status
        }
        guard status == VP8_STATUS_OK else { throw error(status, what: "image") }
        return DecodedImage(
            buffer: PixelBuffer(width: size.width, height: size.height, channels: 4, pixels: pixels, hasAlpha: header.hasAlpha),
            sourceWidth: header.width, sourceHeight: header.height, orientation: header.orientation,
            iccProfile: header.iccProfile, format: .webp, shrinkOnLoad: 1,
            scale: (Double(header.width) / Double(size.width), Double(header.height) / Double(size.height)))
    }

    /// The decode size for `minimum`: the full size when scaling would leave less than `minimum` in
    /// either dimension, else the image scaled by one factor (aspect kept) to cover `minimum`, each
    /// side rounded up. The caller asks for twice the output, the gap the final filter needs (as for
    /// JPEG's shrink-on-load).
    static func scaledSize(width: Int, height: Int, minimum: (width: Int, height: Int)?) -> (width: Int, height: Int) {
        guard let minimum, minimum.width < width, minimum.height < height else { return (width, height) }
        let factor = max(Double(minimum.width) / Double(width), Double(minimum.height) / Double(height))
        let scaledWidth = max(minimum.width, Int((Double(width) * factor).rounded(.up)))
        let scaledHeight = max(minimum.height, Int((Double(height) * factor).rounded(.up)))
        return (min(width, scaledWidth), min(height, scaledHeight))
    }

    /// The first frame of an animation as the animation decoder composes it (frame offsets, blending
    /// and the canvas), at full size: animations are small, and libwebp cannot scale them.
    private static func decodeFirstFrame(_ data: UnsafeBufferPointer<UInt8>, header: WebPHeader) throws -> DecodedImage {
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else { throw ImagingError(.corrupt, "libwebp's decoder version does not match") }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        var webpData = WebPData(bytes: data.baseAddress, size: data.count)
        // The header had the demuxer read the whole file already, so what fails here is damage.
        guard let decoder = WebPAnimDecoderNew(&webpData, &options) else {
            throw ImagingError(.corrupt, "the animated WebP cannot be read")
        }
        defer { WebPAnimDecoderDelete(decoder) }
        var info = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(decoder, &info) != 0, Int(info.canvas_width) == header.width,
            Int(info.canvas_height) == header.height
        else { throw ImagingError(.corrupt, "the animated WebP's canvas cannot be read") }
        var frame: UnsafeMutablePointer<UInt8>?
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(decoder, &frame, &timestamp) != 0, let frame else {
            throw ImagingError(.corrupt, "the animated WebP's first frame cannot be decoded")
        }
        let pixels = Array(UnsafeBufferPointer(start: frame, count: header.width * header.height * 4))
        // From the composed canvas, not the file's flag (set by writers for every animation): transparent
        // where the first frame does not reach, or is transparent itself.
        let hasAlpha = stride(from: 3, to: pixels.count, by: 4).contains { pixels[$0] != 255 }
        return DecodedImage(
            buffer: PixelBuffer(width: header.width, height: header.height, channels: 4, pixels: pixels, hasAlpha: hasAlpha),
            sourceWidth: header.width, sourceHeight: header.height, orientation: header.orientation,
            iccProfile: header.iccProfile, format: .webp, shrinkOnLoad: 1)
    }

    static func error(_ status: VP8StatusCode, what: String) -> ImagingError {
        switch status {
        case VP8_STATUS_NOT_ENOUGH_DATA:
            return ImagingError(.truncated, "the WebP data ends early (in its \(what))")
        case VP8_STATUS_UNSUPPORTED_FEATURE:
            return ImagingError(.unsupportedFormat, "unsupported WebP feature in its \(what)")
        case VP8_STATUS_OUT_OF_MEMORY:
            return ImagingError(.tooLarge, "not enough memory to decode the WebP")
        default:
            return ImagingError(.corrupt, "the WebP cannot be decoded (libwebp status \(status.rawValue) in its \(what))")
        }
    }
}
