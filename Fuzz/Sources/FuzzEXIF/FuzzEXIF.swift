import Imaging

/// Any bytes as the TIFF structure of an EXIF block, in both the JPEG APP1 and PNG eXIf places.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
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

/// SwiftPM links an executable with `--defsym main=FuzzEXIF_main`, so libFuzzer's own main is never
/// linked: this entry point hands control to libFuzzer's driver instead.
@_cdecl("FuzzEXIF_main")
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
