import CWebP

/// WebP through libwebp's advanced API: lossy at a quality (libwebp's 0-100 scale, method 4, its
/// default balance of speed and size, as libvips' `effort` 4), or lossless; alpha kept.
public enum WebPEncoder {
    /// - Parameters:
    ///   - buffer: gray or RGBA pixels (premultiplied or not).
    ///   - quality: 1 to 100, for lossy output.
    ///   - lossless: VP8L, exact pixels (quality ignored).
    /// - Throws: `.invalidOptions` for a quality outside 1-100, `.encodeFailed` when libwebp fails.
    public static func encode(_ buffer: PixelBuffer, quality: Int, lossless: Bool = false) throws -> [UInt8] {
        guard (1...100).contains(quality) else { throw ImagingError(.invalidOptions, "WebP quality must be 1 to 100, not \(quality)") }
        var source = buffer
        if source.isPremultiplied { Alpha.unpremultiply(&source) }
        var config = WebPConfig()
        guard WebPConfigInit(&config) != 0 else { throw ImagingError(.encodeFailed, "libwebp's encoder version does not match") }
        config.quality = Float(quality)
        config.method = 4
        config.lossless = lossless ? 1 : 0
        // Keep the RGB under fully transparent pixels as it is only for lossless (exact pixels); lossy
        // output may change it, which nobody can see and which compresses better.
        config.exact = lossless ? 1 : 0
        var picture = WebPPicture()
        guard WebPPictureInit(&picture) != 0 else { throw ImagingError(.encodeFailed, "libwebp's encoder version does not match") }
        defer { WebPPictureFree(&picture) }
        picture.width = Int32(source.width)
        picture.height = Int32(source.height)
        picture.use_argb = lossless ? 1 : 0
        let imported: Int32
        switch (source.channels, source.hasAlpha) {
        case (1, _):
            let rgb = expandGray(source)
            imported = rgb.withUnsafeBufferPointer { WebPPictureImportRGB(&picture, $0.baseAddress, Int32(source.width * 3)) }
        case (_, true):
            imported = source.pixels.withUnsafeBufferPointer { WebPPictureImportRGBA(&picture, $0.baseAddress, Int32(source.width * 4)) }
        default:
            // Opaque: no alpha plane to encode.
            imported = source.pixels.withUnsafeBufferPointer { WebPPictureImportRGBX(&picture, $0.baseAddress, Int32(source.width * 4)) }
        }
        guard imported != 0 else { throw ImagingError(.encodeFailed, "WebP encoding failed: cannot import the pixels") }
        var writer = WebPMemoryWriter()
        defer { WebPMemoryWriterClear(&writer) }
        return try withUnsafeMutablePointer(to: &writer) { writer in
            cwebp_use_memory_writer(&picture, writer)
            guard WebPEncode(&config, &picture) != 0 else {
                throw ImagingError(.encodeFailed, "WebP encoding failed (libwebp error \(picture.error_code.rawValue))")
            }
            return Array(UnsafeBufferPointer(start: writer.pointee.mem, count: writer.pointee.size))
        }
    }

    private static func expandGray(_ buffer: PixelBuffer) -> [UInt8] {
        var rgb = [UInt8].uninitialized(count: buffer.width * buffer.height * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            for (index, value) in buffer.pixels.prefix(buffer.width * buffer.height).enumerated() {
                out[index * 3] = value
                out[index * 3 + 1] = value
                out[index * 3 + 2] = value
            }
        }
        return rgb
    }
}
