import FuzzDriver
import FuzzImaging

@testable import Imaging

/// Any bytes as a HEIC or AVIF: libheif's box parser (our `HEIFHeader`: sizes, profiles, thumbnails),
/// then the decode (libde265 or dav1d) and the pipeline. The first byte picks HEIC or AVIF. Must
/// return or throw; never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 1 else { return 0 }
    fuzzFormat(UnsafeBufferPointer(start: data + 1, count: size - 1), as: data[0] & 1 == 0 ? .heic : .avif)
    return 0
}

@_cdecl("FuzzHEIFDecoder_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
