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

    /// An upper estimate of the bytes the decode and resampling hold at once:
    /// - the decoded pixels (after JPEG shrink-on-load), 4 bytes a pixel (1 for grey JPEG), counted
    ///   twice: the box pre-shrink and Lanczos buffers together stay under the decoded image's size;
    /// - a progressive JPEG's whole-image coefficient buffer, which libjpeg holds at full size
    ///   whatever the scaling: 64 coefficients of 2 bytes per 8x8 block and component (the bound for
    ///   4:4:4; subsampled chroma needs less);
    /// - for PNG, a 16-bit or interlaced image's full-size row buffer inside libpng.
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
        }
        return 2 * decoded + extra + (1 << 20)
    }
}
