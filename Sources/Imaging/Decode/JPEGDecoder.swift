import CTurboJPEG

/// JPEG through TurboJPEG, with DCT-domain shrink-on-load (1/2, 1/4, 1/8: the SIMD-accelerated
/// scalings), progressive scans limited, CMYK/YCCK (Adobe-inverted or not) turned into RGB.
enum JPEGDecoder {
    static func decode(
        _ data: UnsafeBufferPointer<UInt8>, markers: JPEGMarkers, minimumSize: (width: Int, height: Int)?, limits: ImagingLimits
    ) throws -> DecodedImage {
        guard let handle = tjInitDecompress() else {
            throw ImagingError(.corrupt, "cannot start the JPEG decoder (out of memory)")
        }
        defer { tjDestroy(handle) }

        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, data.baseAddress, UInt(data.count), &width, &height, &subsampling, &colorspace) == 0
        else {
            throw classify(handle, data: data, stage: "header")
        }
        // TurboJPEG can report success with zero dimensions on a broken header.
        try limits.checkDimensions(width: Int(width), height: Int(height))

        let denominator = shrinkDenominator(width: Int(width), height: Int(height), minimum: minimumSize)
        let (scaledWidth, scaledHeight) = scaledSize(width: Int(width), height: Int(height), denominator: denominator)

        let isCMYK = colorspace == TJCS_CMYK.rawValue || colorspace == TJCS_YCCK.rawValue
        let isGray = colorspace == TJCS_GRAY.rawValue
        let pixelFormat = isGray ? TJPF_GRAY : (isCMYK ? TJPF_CMYK : TJPF_RGBA)
        let channels = isGray ? 1 : 4
        var pixels = [UInt8].uninitialized(count: scaledWidth * scaledHeight * channels)
        // FASTDCT and FASTUPSAMPLE were measured: no gain (entropy decoding dominates), so the
        // accurate defaults stay.
        let flags = TJFLAG_LIMITSCANS
        let result = pixels.withUnsafeMutableBufferPointer { out in
            tjDecompress2(
                handle, data.baseAddress, UInt(data.count), out.baseAddress, Int32(scaledWidth), 0, Int32(scaledHeight),
                pixelFormat.rawValue, flags)
        }
        if result != 0 {
            let error = classify(handle, data: data, stage: "data")
            // Warnings (extraneous bytes, a bad restart marker) still give a whole image; an early end
            // of the data does not: the bottom would be grey.
            if tjGetErrorCode(handle) != TJERR_WARNING.rawValue || error.code == .truncated {
                throw error
            }
        }

        var profile = markers.iccProfile
        if let existing = profile, !isCMYK, ColorConverter.isSRGB(existing) { profile = nil }
        if isCMYK {
            try CMYKConverter.convertInPlace(&pixels, inverted: markers.hasAdobeMarker, profile: profile)
            profile = nil  // the CMYK profile, if any, was applied during the conversion
        }
        return DecodedImage(
            buffer: PixelBuffer(width: scaledWidth, height: scaledHeight, channels: channels, pixels: pixels),
            sourceWidth: Int(width), sourceHeight: Int(height), orientation: markers.orientation,
            iccProfile: profile, format: .jpeg, shrinkOnLoad: denominator)
    }

    /// The largest of 8, 4, 2 (else 1) that still leaves the decoded image at least `minimum` in both
    /// dimensions. The caller asks for twice the output size: the final filter then always reduces by
    /// at least 2, the quality rule libvips uses.
    static func shrinkDenominator(width: Int, height: Int, minimum: (width: Int, height: Int)?) -> Int {
        guard let minimum else { return 1 }
        for denominator in [8, 4, 2] {
            let scaled = scaledSize(width: width, height: height, denominator: denominator)
            if scaled.width >= minimum.width && scaled.height >= minimum.height { return denominator }
        }
        return 1
    }

    /// The size libjpeg decodes to at 1/`denominator`: a partial block rounds up to a whole pixel.
    static func scaledSize(width: Int, height: Int, denominator: Int) -> (width: Int, height: Int) {
        ((width + denominator - 1) / denominator, (height + denominator - 1) / denominator)
    }

    private static func classify(_ handle: tjhandle, data: UnsafeBufferPointer<UInt8>, stage: String) -> ImagingError {
        let message = String(cString: tjGetErrorStr2(handle))
        let lowered = message.lowercased()
        if lowered.contains("premature end") || lowered.contains("unexpected end") || !hasEndMarker(data) && stage == "data" {
            return ImagingError(.truncated, "the JPEG data ends early (\(message))")
        }
        if lowered.contains("scans") {
            return ImagingError(.corrupt, "the progressive JPEG has too many scans (\(message))")
        }
        return ImagingError(.corrupt, "the JPEG \(stage) cannot be decoded (\(message))")
    }

    private static func hasEndMarker(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        // EOI, allowing trailing padding some cameras append.
        let tail = data.suffix(4096)
        var index = tail.endIndex - 1
        while index > tail.startIndex {
            if data[index - 1] == 0xFF && data[index] == 0xD9 { return true }
            index -= 1
        }
        return false
    }
}
