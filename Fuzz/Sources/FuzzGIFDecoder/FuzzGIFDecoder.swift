import FuzzDriver
import FuzzImaging

@testable import Imaging

/// Any bytes as a GIF: giflib's screen descriptor, extensions and LZW data through our first-frame
/// decoder (`cgif_decode.c`: frame bounds, interlacing, colour maps), and the pipeline. Must return or
/// throw; never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    fuzzFormat(UnsafeBufferPointer(start: data, count: size), as: .gif)
    return 0
}

@_cdecl("FuzzGIFDecoder_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
