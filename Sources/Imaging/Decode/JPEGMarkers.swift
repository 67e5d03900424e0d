/// What thumbd needs from a JPEG's markers before decoding: the frame (size, progressive), the EXIF
/// orientation, the ICC profile (APP2 chunks reassembled) and whether an Adobe APP14 marker says
/// the CMYK samples are stored inverted. Reading stops at the first scan.
struct JPEGMarkers: Sendable {
    var width = 0
    var height = 0
    var components = 0
    var isProgressive = false
    var orientation = Orientation.up
    var iccProfile: [UInt8]?
    var hasAdobeMarker = false
    var foundFrame = false

    init(_ data: UnsafeBufferPointer<UInt8>) {
        var offset = 2  // after SOI
        var iccChunks: [Int: ArraySlice<UInt8>] = [:]
        var iccChunkCount = 0
        let bytes = data
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { break }
            let marker = bytes[offset + 1]
            if marker == 0xFF {  // fill byte
                offset += 1
                continue
            }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                offset += 2
                continue
            }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { break }
            let segment = UnsafeBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 2 + length)])
            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                // SOFn: precision, height, width, component count.
                if segment.count >= 6 {
                    height = Int(segment[1]) << 8 | Int(segment[2])
                    width = Int(segment[3]) << 8 | Int(segment[4])
                    components = Int(segment[5])
                    isProgressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
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
            case 0xDA:
                offset = bytes.count  // start of scan: nothing more to read here
                continue
            default:
                break
            }
            offset += 2 + length
        }
        if iccChunkCount > 0, (1...iccChunkCount).allSatisfy({ iccChunks[$0] != nil }) {
            iccProfile = (1...iccChunkCount).flatMap { Array(iccChunks[$0]!) }
        }
    }
}
