import FuzzDriver
import Imaging

/// Any bytes as the TIFF structure of an EXIF block, in both the JPEG APP1 and PNG eXIf places.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = Orientation.fromTIFF(bytes[...])
    // And inside a minimal JPEG header, through the header probe.
    var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1]
    let length = min(bytes.count + 8, 0xFFFF)
    jpeg += [UInt8(length >> 8), UInt8(length & 0xFF)] + Array("Exif".utf8) + [0, 0] + bytes.prefix(length - 8)
    jpeg += [0xFF, 0xD9]
    _ = jpeg.withUnsafeBufferPointer { try? ImageDecoder.probe($0) }
    return 0
}

@_cdecl("FuzzEXIF_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
