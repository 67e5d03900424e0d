import CJPEGDecode

/// JPEG through libjpeg's own API (libjpeg-turbo, SIMD inside), with DCT-domain shrink-on-load (1/2,
/// 1/4, 1/8), progressive scans limited, CMYK/YCCK (Adobe-inverted or not) turned into RGB.
///
/// A JPEG is truncated when rows are missing, not when libjpeg warns: a complete file without its
/// final EOI marker, with stray bytes between segments, or with a harmless warning (an odd SOS header,
/// a phone's video appended after EOI) decodes like any other; a file whose data ends before its last
/// row (or a progressive one before its last scan) is `truncated`, never a grey-bottomed thumbnail.
/// When only a part is decoded (`fill` crops), "last row" is the part's: a sequential file cut or
/// damaged below it still gives the crops, every pixel of which came from the file.
///
/// A progressive JPEG decoded at 1/8 is decoded from its DC scans and only the AC scans of components
/// that still need them (`neededScans`): the same pixels, from a fraction of the Huffman decoding.
/// A sequential (baseline) one is Huffman-decoded by our own decoder (`fast_entropy.c`): the same
/// coefficients as libjpeg's, with one table lookup where libjpeg-turbo takes two or more; it leaves
/// any file it does not take in its stride (damage, data cut short) to libjpeg's decoder.
enum JPEGDecoder {
    /// The most scans a progressive JPEG may have (TurboJPEG's `TJFLAG_LIMITSCANS` figure): each scan
    /// is a pass over the whole coefficient buffer, so thousands of tiny scans are a CPU attack.
    static let maxScans: Int32 = 500

    /// - Parameter minimumSize: the smallest decoded size (stored orientation) the caller can work
    ///   from; the decode is shrunk on load as far as that allows.
    /// - Throws: `ImagingError` `.truncated` (data ends before the image), `.corrupt`, `.tooLarge`
    ///   (over `limits`).
    /// - Parameters:
    ///   - region: the part of the scaled image the caller reads (`ImageDecoder.decode`); decoded with
    ///     `regionMargin` more on every side that is cut.
    ///   - skipUnreadScans: leave out the AC scans a 1/8 decode does not read (`neededScans`); the
    ///     tests turn it off to compare the two decodes.
    ///   - libjpegEntropy: libjpeg's own Huffman decoder even for a sequential file, which the fast one
    ///     (`fast_entropy.c`) decodes otherwise; the tests and a fuzz target compare the two.
    static func decode(
        _ data: UnsafeBufferPointer<UInt8>, markers: JPEGMarkers, minimumSize: (width: Int, height: Int)?, limits: ImagingLimits,
        region chooser: ImageDecoder.RegionChooser? = nil, skipUnreadScans: Bool = true, libjpegEntropy: Bool = false
    ) throws -> DecodedImage {
        // (`probe`, which made `markers`, already refused 12-bit, lossless and hierarchical frames.)
        try limits.checkDimensions(width: markers.width, height: markers.height)
        let denominator = shrinkDenominator(width: markers.width, height: markers.height, minimum: minimumSize)
        let (scaledWidth, scaledHeight) = scaledSize(width: markers.width, height: markers.height, denominator: denominator)

        // libjpeg's own guess from the markers (JFIF, Adobe transform, component count).
        let isCMYK = markers.components == 4
        let isGray = markers.components == 1
        let channels = isGray ? 1 : 4
        let whole = PixelRect(width: scaledWidth, height: scaledHeight)
        let part = chooser?(scaledWidth, scaledHeight, Double(denominator)).map { withMargin($0, inside: whole) } ?? whole
        // libjpeg may widen the part by up to an iMCU (4 x 8 pixels at most) on the left.
        let capacity = min(scaledWidth, part.width + (part == whole ? 0 : 32)) * part.height * channels
        var pixels = [UInt8].uninitialized(count: capacity)
        var result = cjpeg_result()
        let needed = skipUnreadScans ? neededScans(data, markers: markers, denominator: denominator) : nil
        func decode(_ input: UnsafeBufferPointer<UInt8>) {
            pixels.withUnsafeMutableBufferPointer { out in
                var request = cjpeg_request(
                    data: input.baseAddress, size: input.count, scale_denominator: Int32(denominator),
                    output: isGray ? CJPEG_OUT_GRAY : (isCMYK ? CJPEG_OUT_CMYK : CJPEG_OUT_RGBA),
                    pixels: out.baseAddress, width: UInt32(scaledWidth), height: UInt32(scaledHeight), max_scans: maxScans,
                    crop_x: UInt32(part.x), crop_width: part == whole ? 0 : UInt32(part.width),
                    skip_rows: UInt32(part.y), rows: part == whole ? 0 : UInt32(part.height), pixels_capacity: out.count,
                    scans_left_out: needed == nil ? 0 : 1, libjpeg_entropy: libjpegEntropy ? 1 : 0)
                cjpeg_decode(&request, &result)
            }
        }
        if let needed {
            needed.withUnsafeBufferPointer { decode($0) }
        } else {
            decode(data)
        }
        try check(result, height: scaledHeight)
        let decodedPart = PixelRect(x: Int(result.crop_x), y: part.y, width: Int(result.crop_width), height: part.height)
        pixels.removeLast(pixels.count - decodedPart.width * decodedPart.height * channels)

        var profile = markers.iccProfile
        if let existing = profile, !isCMYK, ColorConverter.isSRGB(existing) { profile = nil }
        if isCMYK {
            try CMYKConverter.convertInPlace(&pixels, inverted: markers.hasAdobeMarker, profile: profile)
            profile = nil  // the CMYK profile, if any, was applied during the conversion
        }
        return DecodedImage(
            buffer: PixelBuffer(width: decodedPart.width, height: decodedPart.height, channels: channels, pixels: pixels),
            sourceWidth: markers.width, sourceHeight: markers.height, orientation: markers.orientation,
            iccProfile: profile, format: .jpeg, shrinkOnLoad: denominator, region: decodedPart,
            decodedSize: (scaledWidth, scaledHeight))
    }

    /// Pixels decoded beyond each cut side of a part. libjpeg's fancy upsampling of subsampled chroma
    /// (jdsample.c) blends each chroma sample with its neighbour; at the edge of a cropped or skipped
    /// part the neighbour is missing and the edge sample is repeated, so the outermost pixel differs
    /// from a whole decode's by a level or two. One pixel made every crop of CropDecodeTests exact (every
    /// sampling, 1/1 to 1/8; none is, with no margin); two leave room, at no measurable cost.
    static let regionMargin = 2

    /// `part` grown by `regionMargin` on every side, inside `whole`.
    private static func withMargin(_ part: PixelRect, inside whole: PixelRect) -> PixelRect {
        PixelRect(
            columns: max(0, part.x - regionMargin)..<min(whole.width, part.x + part.width + regionMargin),
            rows: max(0, part.y - regionMargin)..<min(whole.height, part.y + part.height + regionMargin))
    }

    /// A progressive JPEG without the AC scans a decode at 1/`denominator` never reads, or `nil` when
    /// there are none to leave out (a sequential file, a scale above 1/8, only subsampled components,
    /// a file that never sends some coefficients in full, or a layout `JPEGScans` does not accept).
    ///
    /// Which components those are is libjpeg's choice, asked of it (`cjpeg_scaled_block_sizes`): a
    /// component whose inverse DCT is 1 x 1 reads only its DC coefficients. At 1/8 that is every
    /// component at the frame's full sampling, and also 4:2:2 chroma in libjpeg-turbo 2.1 (its one
    /// IDCT size serves both directions); 4:2:0 chroma gets a 2 x 2 IDCT that reads AC coefficients,
    /// so its AC scans stay. The decode of what is left, with block smoothing off (`scans_left_out`),
    /// gives the same pixels, byte for byte, as the whole file's decode: smoothing only estimates
    /// coefficients a file never sent in full, and a complete file (`JPEGScans.isComplete`) has none.
    static func neededScans(_ data: UnsafeBufferPointer<UInt8>, markers: JPEGMarkers, denominator: Int) -> [UInt8]? {
        guard denominator == 8, markers.frameType == 2,
            let scans = JPEGScans(data, maxScans: Int(maxScans)), scans.isComplete, scans.scans.contains(where: \.isAC)
        else { return nil }
        var sizes = [Int32](repeating: 0, count: 4)
        let count = Int(cjpeg_scaled_block_sizes(data.baseAddress, data.count, Int32(denominator), &sizes, Int32(sizes.count)))
        guard count == scans.componentIDs.count else { return nil }
        let dcOnly = Set((0..<count).filter { sizes[$0] == 1 })
        return dcOnly.isEmpty ? nil : scans.removingACScans(of: dcOnly, from: data)
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

    /// The size libjpeg decodes to at 1/`denominator`: a partial block rounds up to a whole pixel
    /// (`jdiv_round_up` in libjpeg's jdmaster.c).
    static func scaledSize(width: Int, height: Int, denominator: Int) -> (width: Int, height: Int) {
        ((width + denominator - 1) / denominator, (height + denominator - 1) / denominator)
    }

    /// Turns the C decoder's status into our error codes.
    private static func check(_ result: cjpeg_result, height: Int) throws {
        let message = withUnsafeBytes(of: result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        switch result.status {
        case CJPEG_OK:
            return
        case CJPEG_TRUNCATED:
            let rows = result.rows_decoded > 0 ? ", after \(result.rows_decoded) of \(height) rows" : ""
            throw ImagingError(.truncated, "the JPEG data ends early\(rows) (\(message))")
        case CJPEG_UNSUPPORTED:
            throw ImagingError(.unsupportedFormat, "unsupported JPEG: \(message) (thumbd reads 8-bit baseline and progressive JPEGs)")
        case CJPEG_TOO_MANY_SCANS:
            throw ImagingError(.corrupt, "the progressive JPEG has too many scans (\(message))")
        default:
            throw ImagingError(.corrupt, "the JPEG cannot be decoded (\(message))")
        }
    }
}
