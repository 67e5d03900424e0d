import FuzzDriver
import FuzzImaging

@testable import Imaging

/// Any bytes as a WebP: libwebp's header and demuxer (our `WebPHeader`), then the scaled decode or an
/// animation's first frame, and the pipeline after it. Must return or throw; never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    fuzzFormat(UnsafeBufferPointer(start: data, count: size), as: .webp)
    return 0
}

@_cdecl("FuzzWebPDecoder_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
