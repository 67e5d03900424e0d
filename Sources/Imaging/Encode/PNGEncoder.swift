import CPNG

/// PNG through libpng's simplified writer: gray, or RGBA when the image has alpha (kept), else RGB.
public enum PNGEncoder {
    public static func encode(_ buffer: PixelBuffer) throws -> [UInt8] {
        var source = buffer
        if source.isPremultiplied { Alpha.unpremultiply(&source) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(source.width)
        image.height = UInt32(source.height)
        image.format = source.channels == 1 ? cpng_format_gray() : cpng_format_rgba()
        var pixels = source.pixels
        if source.channels == 4 && !source.hasAlpha {
            // Opaque: write RGB, a quarter smaller.
            image.format = UInt32(PNG_FORMAT_RGB)
            pixels = rgb(from: source)
        }
        let stride = Int32(Int(image.width) * (source.channels == 1 ? 1 : (source.hasAlpha ? 4 : 3)))
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, stride, nil) != 0 else {
            throw ImagingError(.encodeFailed, "PNG encoding failed")
        }
        var output = [UInt8](repeating: 0, count: Int(size))
        let ok = output.withUnsafeMutableBytes { out in
            png_image_write_to_memory(&image, out.baseAddress, &size, 0, pixels, stride, nil)
        }
        guard ok != 0 else { throw ImagingError(.encodeFailed, "PNG encoding failed") }
        output.removeSubrange(Int(size)...)
        return output
    }

    private static func rgb(from buffer: PixelBuffer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: buffer.width * buffer.height * 3)
        out.withUnsafeMutableBufferPointer { destination in
            buffer.pixels.withUnsafeBufferPointer { source in
                for index in 0..<(buffer.width * buffer.height) {
                    destination[index * 3] = source[index * 4]
                    destination[index * 3 + 1] = source[index * 4 + 1]
                    destination[index * 3 + 2] = source[index * 4 + 2]
                }
            }
        }
        return out
    }
}
