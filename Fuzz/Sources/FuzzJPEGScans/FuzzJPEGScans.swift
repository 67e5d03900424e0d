import FuzzDriver

@testable import Imaging

/// Any bytes as a progressive JPEG (issue 19): the scan walk (`JPEGScans`), which must accept a file
/// only when what it leaves after removing scans walks again with exactly those scans gone; then the
/// pipeline at 1/8 (where unread AC scans are left out) and with only a fill crop (where the JPEG is
/// decoded in part). Must return or throw; never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let walk = JPEGScans(bytes, maxScans: 500) {
        var previous = 0
        for scan in walk.scans {
            precondition(scan.range.lowerBound >= previous && scan.range.upperBound <= walk.end && walk.end <= size)
            previous = scan.range.upperBound
        }
        for components: Set<Int> in [[0], Set(0..<walk.componentIDs.count)] {
            guard let kept = walk.removingACScans(of: components, from: bytes) else { continue }
            precondition(kept.count < walk.end)
            let again = kept.withUnsafeBufferPointer { JPEGScans($0, maxScans: 500) }
            let expected = walk.scans.filter { !($0.isAC && components.contains($0.components[0])) }
            precondition(again?.scans.map(\.components) == expected.map(\.components), "the rest does not walk again")
        }
    }
    let thumbnailer = Thumbnailer(limits: ImagingLimits(maxInputBytes: 1 << 20, maxPixels: 4_000_000, maxOutputSide: 512))
    // On the 96 x 64 seeds: 4 x 4 decodes at 1/8 (the scans left out), 6 x 6 fill at 1/4 in part.
    for specs in [[ThumbnailSpec(width: 4, height: 4, format: .png)], [ThumbnailSpec(width: 6, height: 6, mode: .fill, format: .png)]] {
        if let plan = try? thumbnailer.plan(header: ImageDecoder.probe(bytes, as: .jpeg), specs: specs) {
            _ = try? thumbnailer.makeThumbnails(from: bytes, plan: plan)
        }
    }
    return 0
}

@_cdecl("FuzzJPEGScans_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
