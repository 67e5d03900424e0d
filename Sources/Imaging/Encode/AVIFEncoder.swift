import CAVIF

/// AVIF through libavif and libaom: 8-bit 4:2:0 (full range, BT.601 matrix, sRGB primaries and
/// transfer signalled), alpha kept, constant quality. One thread per encode: the service runs several
/// jobs at once, so parallelism comes from there.
public enum AVIFEncoder {
    /// The encoder speed thumbd uses unless told otherwise: 6, avifenc's own default, a service's
    /// balance (0 is slowest and smallest, 10 fastest).
    public static let defaultSpeed = 6

    /// AV1's quantizer (0 best to 63 worst) for a 1-100 quality: `((100 - quality) * 63 + 50) / 100`,
    /// the mapping of libavif 1.0's `quality` field and of libheif's AOM encoder (what libvips'
    /// `Q` sets), so the same number means the same thing in thumbd and libvips.
    public static func quantizer(quality: Int) -> Int { ((100 - quality) * 63 + 50) / 100 }

    /// - Parameters:
    ///   - buffer: gray or RGBA pixels (premultiplied or not).
    ///   - quality: 1 to 100 (`quantizer(quality:)`).
    ///   - speed: 0 to 10.
    /// - Throws: `.invalidOptions` for a quality or speed out of range, `.encodeFailed` when libavif fails.
    public static func encode(_ buffer: PixelBuffer, quality: Int, speed: Int = defaultSpeed) throws -> [UInt8] {
        guard (1...100).contains(quality) else { throw ImagingError(.invalidOptions, "AVIF quality must be 1 to 100, not \(quality)") }
        guard (0...10).contains(speed) else { throw ImagingError(.invalidOptions, "AVIF speed must be 0 to 10, not \(speed)") }
        var source = buffer
        if source.isPremultiplied { Alpha.unpremultiply(&source) }
        if source.channels == 1 { source = expandGray(source) }
        guard let image = avifImageCreate(UInt32(source.width), UInt32(source.height), 8, AVIF_PIXEL_FORMAT_YUV420) else {
            throw ImagingError(.encodeFailed, "cannot start the AVIF encoder")
        }
        defer { avifImageDestroy(image) }
        image.pointee.colorPrimaries = UInt16(AVIF_COLOR_PRIMARIES_BT709)
        image.pointee.transferCharacteristics = UInt16(AVIF_TRANSFER_CHARACTERISTICS_SRGB)
        image.pointee.matrixCoefficients = UInt16(AVIF_MATRIX_COEFFICIENTS_BT601)
        image.pointee.yuvRange = AVIF_RANGE_FULL
        var rgb = avifRGBImage()
        avifRGBImageSetDefaults(&rgb, image)
        rgb.format = AVIF_RGB_FORMAT_RGBA
        rgb.depth = 8
        rgb.ignoreAlpha = source.hasAlpha ? 0 : 1
        let converted = source.pixels.withUnsafeMutableBufferPointer { pixels -> avifResult in
            rgb.pixels = pixels.baseAddress
            rgb.rowBytes = UInt32(source.width * 4)
            return avifImageRGBToYUV(image, &rgb)
        }
        guard converted == AVIF_RESULT_OK else { throw failure(converted, "converting to YUV") }

        guard let encoder = avifEncoderCreate() else { throw ImagingError(.encodeFailed, "cannot start the AVIF encoder") }
        defer { avifEncoderDestroy(encoder) }
        encoder.pointee.codecChoice = AVIF_CODEC_CHOICE_AOM
        encoder.pointee.maxThreads = 1
        encoder.pointee.speed = Int32(speed)
        // Constant quality (libaom's end-usage=q at cq-level), as libheif sets it: the quantizer range
        // stays open, so each frame gets the quantizer the level asks for.
        let level = String(quantizer(quality: quality))
        encoder.pointee.minQuantizer = 0
        encoder.pointee.maxQuantizer = 63
        encoder.pointee.minQuantizerAlpha = 0
        encoder.pointee.maxQuantizerAlpha = 63
        for prefix in ["color:", "alpha:"] {
            avifEncoderSetCodecSpecificOption(encoder, prefix + "end-usage", "q")
            avifEncoderSetCodecSpecificOption(encoder, prefix + "cq-level", level)
        }
        var output = avifRWData()
        defer { avifRWDataFree(&output) }
        let written = avifEncoderWrite(encoder, image, &output)
        guard written == AVIF_RESULT_OK, let data = output.data else { throw failure(written, "encoding") }
        return Array(UnsafeBufferPointer(start: data, count: output.size))
    }

    private static func failure(_ result: avifResult, _ step: String) -> ImagingError {
        ImagingError(.encodeFailed, "AVIF \(step) failed: \(String(cString: avifResultToString(result)))")
    }

    private static func expandGray(_ buffer: PixelBuffer) -> PixelBuffer {
        var rgba = [UInt8].uninitialized(count: buffer.width * buffer.height * 4)
        rgba.withUnsafeMutableBufferPointer { out in
            for (index, value) in buffer.pixels.prefix(buffer.width * buffer.height).enumerated() {
                out[index * 4] = value
                out[index * 4 + 1] = value
                out[index * 4 + 2] = value
                out[index * 4 + 3] = 255
            }
        }
        return PixelBuffer(width: buffer.width, height: buffer.height, channels: 4, pixels: rgba)
    }
}
