/// EXIF orientation (tag 0x0112): how the stored pixels must be turned to be seen upright.
/// 1 is as stored; 2 to 8 mirror and/or rotate (5 to 8 swap width and height).
public enum Orientation: Int, Sendable, CaseIterable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, rightMirrored, left

    /// Whether the upright image is the stored one turned a quarter (width and height swap).
    public var swapsDimensions: Bool { rawValue >= 5 }

    /// Reads the orientation from a TIFF structure (the body of a JPEG APP1 `Exif\0\0` block or of a
    /// PNG `eXIf` chunk), in either byte order. Anything malformed or missing is `.up`.
    public static func fromTIFF(_ tiff: ArraySlice<UInt8>) -> Orientation {
        let bytes = Array(tiff)
        guard bytes.count >= 8 else { return .up }
        let littleEndian: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return .up
        }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= bytes.count else { return nil }
            return littleEndian
                ? Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 : Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
        }
        func u32(_ offset: Int) -> Int? {
            guard let high = u16(littleEndian ? offset + 2 : offset), let low = u16(littleEndian ? offset : offset + 2) else {
                return nil
            }
            return high << 16 | low
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return .up }
        for index in 0..<min(count, 1000) {
            let entry = ifd + 2 + index * 12
            guard let tag = u16(entry) else { break }
            if tag == 0x0112 {
                // SHORT, count 1: the value sits in the first two bytes of the value field.
                guard u16(entry + 2) == 3, let value = u16(entry + 8) else { return .up }
                return Orientation(rawValue: value) ?? .up
            }
        }
        return .up
    }
}
