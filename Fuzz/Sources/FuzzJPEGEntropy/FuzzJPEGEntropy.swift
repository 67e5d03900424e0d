import FuzzDriver

@testable import Imaging

/// Any bytes as a JPEG, decoded twice at 1/8, 1/2 and 1/1, whole and in part: Huffman-decoded by our
/// decoder (`fast_entropy.c`, where it applies) and by libjpeg's. The two must agree: the same error, or the same pixels. Our
/// decoder must give up on whatever it does not decode as libjpeg does, never decode it differently.
/// Must return or throw; never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let limits = ImagingLimits(maxInputBytes: 1 << 20, maxPixels: 4_000_000, maxOutputSide: 512)
    guard let header = try? ImageDecoder.probe(bytes, as: .jpeg), case .jpeg(let markers) = header.parsed else { return 0 }
    // A part of the image too (a fill crop: columns cut, rows skipped, so MCUs decoded with nowhere
    // to go), placed by the input's last byte.
    let corner = Double(size > 0 ? data[size - 1] : 0) / 255
    let part: ImageDecoder.RegionChooser = { width, height, _ in
        PixelRect(x: Int(Double(width) * corner / 2), y: Int(Double(height) * corner / 2),
                  width: max(1, width / 3), height: max(1, height / 3))
    }
    for (denominator, region) in [(8, nil), (2, nil), (1, nil), (8, part), (1, part)] as [(Int, ImageDecoder.RegionChooser?)] {
        let minimum = JPEGDecoder.scaledSize(width: markers.width, height: markers.height, denominator: denominator)
        func decode(libjpegEntropy: Bool) -> Result<[UInt8], ImagingError> {
            Result {
                try JPEGDecoder.decode(
                    bytes, markers: markers, minimumSize: minimum, limits: limits, region: region, libjpegEntropy: libjpegEntropy
                ).buffer.pixels
            }.mapError { $0 as? ImagingError ?? ImagingError(.corrupt, "not an ImagingError: \($0)") }
        }
        let ours = decode(libjpegEntropy: false), libjpeg = decode(libjpegEntropy: true)
        switch (ours, libjpeg) {
        case (.success(let a), .success(let b)):
            precondition(a == b, "1/\(denominator): the two Huffman decoders give different pixels")
        case (.failure(let a), .failure(let b)):
            precondition(a == b, "1/\(denominator): \(a) against libjpeg's \(b)")
        default:
            preconditionFailure("1/\(denominator): \(ours) against libjpeg's \(libjpeg)")
        }
    }
    return 0
}

@_cdecl("FuzzJPEGEntropy_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
