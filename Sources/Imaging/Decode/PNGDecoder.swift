import CPNG

/// PNG through libpng's simplified API: every bit depth and colour type (palette with tRNS, 16-bit,
/// Adam7) comes out as 8-bit gray or RGBA, gamma-corrected to sRGB. A `gAMA` chunk is applied, as
/// the PNG specification and libpng say (Pillow, libvips and ImageMagick ignore it).
enum PNGDecoder {
    static func decode(_ data: UnsafeBufferPointer<UInt8>, chunks: PNGChunks, limits: ImagingLimits) throws -> DecodedImage {
        // Our own look at the header first: a PNG declaring 30000 x 30000 is refused before libpng
        // allocates anything.
        try limits.checkDimensions(width: chunks.width, height: chunks.height)
        if let overrun = chunks.overrun {
            throw ImagingError(.truncated, "the PNG data ends early (\(overrun))")
        }

        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_memory(&image, data.baseAddress, data.count) != 0 else {
            let error = failure(&image, data: data)
            png_image_free(&image)
            throw error
        }
        // A 16-bit file with no gAMA or sRGB chunk holds sRGB values, as browsers and Pillow read it;
        // without this flag libpng would take them as linear light and brighten the image.
        image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let isColor = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let gray = !hasAlpha && !isColor
        let width = Int(image.width)
        let height = Int(image.height)
        let channels = gray ? 1 : 4
        // 16-bit files are read as 16-bit linear and encoded to sRGB by us (LinearToSRGB says why).
        let linear = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        image.format = (gray ? cpng_format_gray() : cpng_format_rgba()) | (linear ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
        var pixels = [UInt8].uninitialized(count: width * height * channels)
        var ok: Int32
        if linear {
            var wide = [UInt16](repeating: 0, count: width * height * channels)
            ok = wide.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, nil, out.baseAddress, Int32(width * channels), nil)
            }
            if ok != 0 {
                wide.withUnsafeBufferPointer { wide in
                    pixels.withUnsafeMutableBufferPointer { LinearToSRGB.convert(wide, channels: channels, into: $0) }
                }
            }
        } else {
            ok = pixels.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, nil, out.baseAddress, Int32(width * channels), nil)
            }
        }
        guard ok != 0 else {
            let error = failure(&image, data: data)
            png_image_free(&image)
            throw error
        }
        var profile = chunks.iccProfile
        if let existing = profile, ColorConverter.isSRGB(existing) { profile = nil }
        return DecodedImage(
            buffer: PixelBuffer(width: width, height: height, channels: channels, pixels: pixels, hasAlpha: hasAlpha),
            sourceWidth: width, sourceHeight: height, orientation: chunks.orientation, iccProfile: profile, format: .png,
            shrinkOnLoad: 1)
    }

    private static func failure(_ image: inout png_image, data: UnsafeBufferPointer<UInt8>) -> ImagingError {
        let message = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let lowered = message.lowercased()
        if lowered.contains("eof") || lowered.contains("read error") || lowered.contains("not enough") || lowered.contains("truncated")
            || !hasEndChunk(data)
        {
            return ImagingError(.truncated, "the PNG data ends early (\(message))")
        }
        return ImagingError(.corrupt, "the PNG cannot be decoded (\(message))")
    }

    private static func hasEndChunk(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        let iend: [UInt8] = [0x49, 0x45, 0x4E, 0x44]
        return data.count >= 12 && Array(data[(data.count - 8)..<(data.count - 4)]) == iend
    }
}
