@testable import Imaging

/// What the per-decoder targets share: the bytes read as `format` whatever they start with (so the
/// fuzzer spends no time rediscovering the magic), the header, then the whole pipeline, with small
/// limits so time goes to parsing, not to decoding large valid images.
public func fuzzFormat(_ data: UnsafeBufferPointer<UInt8>, as format: ImageFormat) {
    let limits = ImagingLimits(maxInputBytes: 1 << 20, maxPixels: 4_000_000, maxOutputSide: 512)
    let header: ImageHeader
    do {
        switch format {
        case .webp:
            let webp = try WebPHeader(data)
            header = ImageHeader(format: .webp, width: webp.width, height: webp.height, orientation: webp.orientation, parsed: .webp(webp))
        case .heic, .avif:
            let heif = try HEIFHeader(data, format: format)
            header = ImageHeader(format: format, width: heif.width, height: heif.height, orientation: .up, parsed: .heif(heif))
        case .gif:
            let size = try GIFDecoder.probe(data)
            header = ImageHeader(format: .gif, width: size.width, height: size.height, orientation: .up, parsed: .gif)
        default:
            return
        }
        try limits.checkDimensions(width: header.width, height: header.height)
        let specs = [ThumbnailSpec(width: 64, height: 64, format: .webp), ThumbnailSpec(width: 20, height: 30, mode: .fill, format: .png)]
        let thumbnailer = Thumbnailer(limits: limits)
        let plan = try thumbnailer.plan(data, specs: specs)
        _ = try thumbnailer.makeThumbnails(from: data, plan: plan)
    } catch {
        // Refusals are the point: only crashes and hangs are findings.
    }
}
