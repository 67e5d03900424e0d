/// What thumbd needs from a JPEG's markers before decoding: the frame (size, precision, progressive),
/// the EXIF orientation, the ICC profile (APP2 chunks reassembled) and whether an Adobe APP14 marker
/// says the CMYK samples are stored inverted. Reading stops at the first scan.
///
/// Bytes between segments are skipped the way libjpeg's `next_marker` (jdmarker.c) skips them: any
/// non-`FF` byte, fill `FF`s, and stuffed `FF 00` pairs, until a real marker. Editors and cameras
/// write such files (a Photoshop APP13 whose length is short, an Adobe APP14 one byte longer than it
/// says); libjpeg, Pillow and libvips read them with a warning, so must we.
struct JPEGMarkers: Sendable {
    var width = 0
    var height = 0
    var components = 0
    /// Bits per sample from the frame header: 8 for nearly every JPEG; 12 and 16 exist (medical, raw).
    var precision = 8
    /// The SOF marker's low nibble: 0, 1 baseline/extended, 2 progressive, 3 lossless, 9-10 arithmetic...
    var frameType: UInt8 = 0
    /// Progressive frames: SOF2, SOF6, SOF10, SOF14 (ITU T.81, table B.1).
    var isProgressive: Bool { [2, 6, 10, 14].contains(frameType) }
    var orientation = Orientation.up
    var iccProfile: [UInt8]?
    var hasAdobeMarker = false
    var foundFrame = false
    /// The data ended inside the header, before any scan: a truncated file rather than a corrupt one.
    var endedEarly = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var iccChunks: [Int: ArraySlice<UInt8>] = [:]
        var iccChunkCount = 0
        var next = 2  // after SOI
        endedEarly = true
        while let (marker, offset) = Self.nextMarker(bytes, from: next) {
            // Standalone markers: SOI, RST0-7, TEM carry no length.
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                next = offset + 2
                continue
            }
            if marker == 0xD9 || marker == 0xDA {  // EOI, or the start of a scan: nothing more here
                endedEarly = false
                break
            }
            guard offset + 4 <= bytes.count else { break }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2 else {
                endedEarly = false  // a broken length, not a short file
                break
            }
            guard offset + 2 + length <= bytes.count else { break }
            let segment = UnsafeBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 2 + length)])
            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                // SOFn: precision, height, width, component count.
                if segment.count >= 6 && !foundFrame {
                    precision = Int(segment[0])
                    height = Int(segment[1]) << 8 | Int(segment[2])
                    width = Int(segment[3]) << 8 | Int(segment[4])
                    components = Int(segment[5])
                    frameType = marker & 0x0F
                    foundFrame = true
                }
            case 0xE1:
                let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
                if segment.count > 6, Array(segment[0..<6]) == exifHeader {
                    orientation = Orientation.fromTIFF(Array(segment)[6...])
                }
            case 0xE2:
                // "ICC_PROFILE\0", sequence number (1-based), chunk count, data.
                let iccHeader = Array("ICC_PROFILE".utf8) + [0]
                if segment.count > 14, Array(segment[0..<12]) == iccHeader {
                    iccChunks[Int(segment[12])] = Array(segment)[14...]
                    iccChunkCount = Int(segment[13])
                }
            case 0xEE:
                if segment.count >= 5, Array(segment[0..<5]) == Array("Adobe".utf8) { hasAdobeMarker = true }
            default:
                break
            }
            next = offset + 2 + length
        }
        if iccChunkCount > 0, (1...iccChunkCount).allSatisfy({ iccChunks[$0] != nil }) {
            iccProfile = (1...iccChunkCount).flatMap { Array(iccChunks[$0]!) }
        }
    }

    /// The next marker at or after `start`: its code and the offset of its `FF`. Skips what libjpeg's
    /// `next_marker` skips (non-`FF` bytes, fill bytes, `FF 00`); `nil` at the end of the data.
    static func nextMarker(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (marker: UInt8, offset: Int)? {
        var index = start
        while index + 1 < bytes.count {
            guard bytes[index] == 0xFF else {
                index += 1
                continue
            }
            var code = index + 1
            while code < bytes.count && bytes[code] == 0xFF { code += 1 }  // fill bytes
            guard code < bytes.count else { return nil }
            if bytes[code] != 0x00 { return (bytes[code], code - 1) }
            index = code + 1  // FF 00: stuffed data, not a marker
        }
        return nil
    }

    /// Refuses the valid JPEGs libjpeg-turbo's 8-bit build does not decode, with what they are.
    /// - Throws: `ImagingError` `.unsupportedFormat` naming the precision or the frame type.
    func checkSupported() throws {
        guard precision == 8 else {
            throw ImagingError(
                .unsupportedFormat, "unsupported JPEG: \(precision)-bit samples (thumbd reads 8-bit JPEGs)")
        }
        // SOF3/7/11/15 are lossless, SOF5-7 and SOF13-15 hierarchical (differential).
        if [3, 5, 6, 7, 11, 13, 14, 15].contains(frameType) {
            throw ImagingError(
                .unsupportedFormat, "unsupported JPEG: a lossless or hierarchical frame (SOF\(frameType))")
        }
    }
}
