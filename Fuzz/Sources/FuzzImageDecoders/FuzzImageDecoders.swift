import FuzzDriver
import Imaging

/// Any bytes as an uploaded image: the whole thumbnail pipeline, with small limits so the fuzzer spends
/// its time on parsing, not on decoding large valid images. Must return or throw; never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let thumbnailer = Thumbnailer(limits: ImagingLimits(maxInputBytes: 1 << 20, maxPixels: 4_000_000, maxOutputSide: 512))
    let specs = [ThumbnailSpec(width: 64, height: 64), ThumbnailSpec(width: 20, height: 30, mode: .fill, format: .png)]
    _ = try? thumbnailer.makeThumbnails(from: UnsafeBufferPointer(start: data, count: size), specs: specs)
    return 0
}

@_cdecl("FuzzImageDecoders_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
