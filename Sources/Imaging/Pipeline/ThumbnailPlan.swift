/// What `Thumbnailer.plan` decided from an image's header before decoding it: each output's geometry,
/// the smallest decode that serves them all, and the memory the work will take at its peak, so that a
/// service can admit the job only when that memory is free.
public struct ThumbnailPlan: Sendable {
    public let header: ImageHeader
    public let specs: [ThumbnailSpec]
    let geometries: [ThumbnailGeometry]

    /// The decode must be at least this large (stored orientation): twice the largest resize, so that
    /// the final filter always reduces by at least 2.
    var minimumDecodeSize: (width: Int, height: Int) {
        let swaps = header.orientation.swapsDimensions
        return (
            width: geometries.map { 2 * (swaps ? $0.resizeHeight : $0.resizeWidth) }.max()!,
            height: geometries.map { 2 * (swaps ? $0.resizeWidth : $0.resizeHeight) }.max()!
        )
    }

    /// The output the placeholder (ThumbHash) is made from, so that it shows what the page shows in
    /// the thumbnails' place: the smallest output that shows the whole image (`fit`, or `fill` that
    /// cuts nothing) and has 32 px or more on its long side (`Placeholder.minimumSourceSide`: detail
    /// for ThumbHash's terms); when there is none, the smallest such `fill` crop. `nil` when neither
    /// (only `force` sizes, or tiny ones): the whole image is then resampled for it.
    var placeholderOutput: Int? {
        let candidates = zip(specs, geometries).enumerated().filter { _, output in
            output.0.mode != .force && max(output.1.width, output.1.height) >= Placeholder.minimumSourceSide
        }
        let whole = candidates.filter { !$0.element.1.isCropped }
        return (whole.isEmpty ? candidates : whole).min { $0.element.1.width * $0.element.1.height < $1.element.1.width * $1.element.1.height }?.offset
    }

    /// An upper estimate of the bytes the decode and resampling hold at once:
    /// - the decoded pixels (after JPEG shrink-on-load), 4 bytes a pixel (1 for grey JPEG), counted
    ///   twice: the box pre-shrink and Lanczos buffers together stay under the decoded image's size;
    /// - a progressive JPEG's whole-image coefficient buffer, which libjpeg holds at full size
    ///   whatever the scaling: 64 coefficients of 2 bytes per 8x8 block and component (the bound for
    ///   4:4:4; subsampled chroma needs less);
    /// - for PNG, a 16-bit or interlaced image's full-size row buffer inside libpng;
    /// - for WebP, libwebp's rows (scaled decoding) or an animation's canvases;
    /// - for HEIC and AVIF, libheif's full-size planes, before and after its conversion to RGB.
    public var estimatedMemoryBytes: Int {
        let width = header.width
        let height = header.height
        var decoded: Int
        var extra = 0
        switch header.parsed {
        case .jpeg(let markers):
            let denominator = JPEGDecoder.shrinkDenominator(width: width, height: height, minimum: minimumDecodeSize)
            let scaled = JPEGDecoder.scaledSize(width: width, height: height, denominator: denominator)
            decoded = scaled.width * scaled.height * (markers.components == 1 ? 1 : 4)
            if markers.isProgressive {
                extra = max(1, markers.components) * ((width + 7) / 8) * ((height + 7) / 8) * 128
            }
        case .png(let chunks):
            decoded = width * height * 4
            if chunks.bitDepth == 16 || chunks.interlaced {
                extra = width * height * 4 * max(1, chunks.bitDepth / 8)
            }
        case .webp(let webp):
            if webp.isAnimated {
                // The animation decoder's canvas and its previous-frame copy, then ours.
                decoded = width * height * 4
                extra = 2 * width * height * 4
            } else {
                let scaled = WebPDecoder.scaledSize(width: width, height: height, minimum: minimumDecodeSize)
                decoded = scaled.width * scaled.height * 4
                // libwebp's scaled decoding keeps a few full-width rows of Y, U and V; but lossless
                // (VP8L) decodes the whole image as ARGB whatever the scale, and a lossy image's alpha
                // plane is decoded whole (twice over when it is compressed losslessly).
                extra = 64 * width * 4 + (webp.isLossless ? width * height * 4 : 0) + (webp.hasAlpha ? 2 * width * height : 0)
            }
        case .heif(let heif):
            // libheif decodes the whole image: its Y, Cb, Cr and alpha planes, then the R, G, B and
            // alpha planes made of them, 2 bytes a sample above 8 bits (at most 4 planes of full size
            // each); our RGBA is those planes box-shrunk. (An embedded thumbnail needs less, but the
            // image is decoded when the thumbnail fails.)
            let factor = heif.hasAlpha ? 1 : HEIFDecoder.shrinkFactor(width: width, height: height, minimum: minimumDecodeSize)
            decoded = (width + factor - 1) / factor * ((height + factor - 1) / factor) * 4
            extra = 2 * width * height * 4 * (heif.bitDepth > 8 ? 2 : 1)
        case .gif:
            decoded = width * height * 4
        }
        return 2 * decoded + extra + (1 << 20)
    }
}
