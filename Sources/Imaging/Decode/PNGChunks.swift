import CPNG

/// What thumbd reads from a PNG's chunks itself: the header (to refuse huge images before decoding),
/// the EXIF orientation (`eXIf`) and the ICC profile (`iCCP`, inflated with zlib).
struct PNGChunks: Sendable {
    var width = 0
    var height = 0
    var bitDepth = 0
    var colorType = 0
    var interlaced = false
    var orientation = Orientation.up
    var iccProfile: [UInt8]?
    var hasTransparencyChunk = false
    var foundHeader = false
    /// Set when a chunk before IEND claims more bytes than the file has left: the file ends early.
    var overrun: String?

    /// The largest ICC profile accepted (real ones are a few KiB; a bomb could claim gigabytes).
    static let maxProfileBytes = 4 << 20

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        var offset = 8
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        while offset + 8 <= bytes.count {
            let length = u32(offset)
            let type = String(decoding: UnsafeBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 8)]), as: UTF8.self)
            let dataStart = offset + 8
            guard length <= bytes.count, dataStart + length <= bytes.count else {
                // libpng would allocate what the chunk claims (up to 2 GB) before finding it missing.
                overrun = "a \(type.filter(\.isLetter)) chunk claims \(length) bytes; only \(bytes.count - dataStart) are left"
                break
            }
            let data = UnsafeBufferPointer(rebasing: bytes[dataStart..<(dataStart + length)])
            switch type {
            case "IHDR" where length >= 13:
                width = u32(dataStart)
                height = u32(dataStart + 4)
                bitDepth = Int(data[8])
                colorType = Int(data[9])
                interlaced = data[12] == 1
                foundHeader = true
            case "eXIf":
                // The TIFF structure itself (PNG Third Edition); some writers leave the JPEG APP1's
                // "Exif\0\0" in front of it.
                let tiff = Array(data)
                orientation = Orientation.fromTIFF(tiff.starts(with: Array("Exif\0\0".utf8)) ? tiff[6...] : tiff[...])
            case "iCCP":
                iccProfile = Self.inflateProfile(data)
            case "tRNS":
                hasTransparencyChunk = true
            case "IEND":
                return
            default:
                break
            }
            offset = dataStart + length + 4  // skip the CRC
        }
    }

    /// iCCP: a name of 1 to 79 bytes, a NUL, a compression method byte (0 = zlib), then the stream.
    private static func inflateProfile(_ data: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let nul = data.prefix(80).firstIndex(of: 0), nul + 2 < data.count, data[nul + 1] == 0 else { return nil }
        let compressed = UnsafeBufferPointer(rebasing: data[(nul + 2)...])
        var capacity = 64 << 10
        while capacity <= maxProfileBytes {
            var profile = [UInt8](repeating: 0, count: capacity)
            var length = capacity
            let result = profile.withUnsafeMutableBufferPointer {
                cpng_inflate($0.baseAddress, &length, compressed.baseAddress, compressed.count)
            }
            if result == Z_OK { return Array(profile.prefix(length)) }
            guard result == Z_BUF_ERROR else { return nil }
            capacity *= 4
        }
        return nil
    }
}
