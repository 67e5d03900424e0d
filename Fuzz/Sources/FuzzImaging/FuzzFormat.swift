@testable import Imaging

/// What the per-decoder targets share: the bytes read as `format` whatever they start with (so the
/// fuzzer spends no time rediscovering the magic), the header, then the whole pipeline, with small
/// limits so time goes to parsing, not to decoding large valid images.
public func fuzzFormat(_ data: UnsafeBufferPointer<UInt8>, as format: ImageFormat) {
    let limits = ImagingLimits(maxInputBytes: 1 << 20, maxPixels: 4_000_000, maxOutputSide: 512)
    do {
        // The plan from the header read as `format`: `Thumbnailer.plan(data)` would read the format
        // from the bytes again, and stop at once for most of what the fuzzer makes.
        let specs = [ThumbnailSpec(width: 64, height: 64, format: .webp), ThumbnailSpec(width: 20, height: 30, mode: .fill, format: .png)]
        let thumbnailer = Thumbnailer(limits: limits)
        let plan = try thumbnailer.plan(header: ImageDecoder.probe(data, as: format), specs: specs)
        _ = try thumbnailer.makeThumbnails(from: data, plan: plan)
    } catch {
        // Refusals are the point: only crashes and hangs are findings.
    }
}
