import CGIFDecode

/// GIF through giflib: the first frame on its logical screen, transparency kept (`cgif_decode.h`).
enum GIFDecoder {
    /// The logical screen's size.
    /// - Throws: `.truncated` or `.corrupt` when giflib cannot read the screen descriptor.
    static func probe(_ data: UnsafeBufferPointer<UInt8>) throws -> (width: Int, height: Int) {
        var result = cgif_result()
        cgif_probe(data.baseAddress, data.count, &result)
        try check(result)
        return (Int(result.width), Int(result.height))
    }

    /// - Throws: `ImagingError` `.truncated`, `.corrupt`, `.tooLarge` (the screen or the first frame
    ///   over `limits.maxPixels`).
    static func decode(_ data: UnsafeBufferPointer<UInt8>, width: Int, height: Int, limits: ImagingLimits) throws -> DecodedImage {
        try limits.checkDimensions(width: width, height: height)
        var result = cgif_result()
        var pixels = [UInt8].uninitialized(count: width * height * 4)
        pixels.withUnsafeMutableBufferPointer { out in
            cgif_decode_first_frame(
                data.baseAddress, data.count, out.baseAddress, UInt32(width), UInt32(height), UInt64(limits.maxPixels), &result)
        }
        try check(result)
        return DecodedImage(
            buffer: PixelBuffer(width: width, height: height, channels: 4, pixels: pixels, hasAlpha: result.has_alpha != 0),
            sourceWidth: width, sourceHeight: height, orientation: .up, iccProfile: nil, format: .gif, shrinkOnLoad: 1)
    }

    private static func check(_ result: cgif_result) throws {
        switch result.status {
        case CGIF_OK:
            return
        case CGIF_TRUNCATED:
            throw ImagingError(.truncated, "the GIF data ends early (giflib error \(result.gif_error))")
        case CGIF_NO_MEMORY:
            throw ImagingError(.tooLarge, "not enough memory to decode the GIF")
        case CGIF_FRAME_TOO_LARGE:
            throw ImagingError(.tooLarge, "the GIF's first frame is larger than the pixel limit")
        default:
            throw ImagingError(.corrupt, "the GIF cannot be decoded (giflib error \(result.gif_error))")
        }
    }
}
