import Imaging

/// Any bytes as an uploaded image: the whole thumbnail pipeline, with small limits so the fuzzer spends
/// its time on parsing, not on decoding large valid images. Must return or throw; never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let thumbnailer = Thumbnailer(limits: ImagingLimits(maxInputBytes: 1 << 20, maxPixels: 4_000_000, maxOutputSide: 512))
    let specs = [ThumbnailSpec(width: 64, height: 64), ThumbnailSpec(width: 20, height: 30, mode: .fill, format: .png)]
    _ = try? thumbnailer.makeThumbnails(from: UnsafeBufferPointer(start: data, count: size), specs: specs)
    return 0
}

/// SwiftPM links an executable with `--defsym main=FuzzImageDecoders_main`, so libFuzzer's own main is never
/// linked: this entry point hands control to libFuzzer's driver instead.
@_cdecl("FuzzImageDecoders_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzz(data!, size) }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32
