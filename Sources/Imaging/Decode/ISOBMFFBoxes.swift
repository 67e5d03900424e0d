/// The top-level boxes of an ISO base media file (ISO/IEC 14496-12 4.2: a 32-bit size and a type,
/// a 64-bit size when the 32-bit one is 1, to the end of the file when it is 0), walked only to tell a
/// file that was cut short from one that is damaged when a HEIF/AVIF parser refuses it.
enum ISOBMFFBoxes {
    /// Whether a top-level box claims more bytes than the data has (or its header itself is cut).
    static func endsEarly(_ data: UnsafeBufferPointer<UInt8>) -> Bool { walk(data) == .endsEarly }

    /// Whether the last top-level box runs to the end of the file (size 0): cut short, it does not
    /// claim more than there is, so only its reader can tell.
    static func lastBoxIsOpenEnded(_ data: UnsafeBufferPointer<UInt8>) -> Bool { walk(data) == .openEnded }

    private enum Walk { case whole, endsEarly, openEnded, malformed }

    private static func walk(_ data: UnsafeBufferPointer<UInt8>) -> Walk {
        var offset = 0
        // Bounded: each box is at least 8 bytes, so at most count / 8 steps.
        while offset < data.count {
            guard data.count - offset >= 8 else { return .endsEarly }
            var size = 0
            for index in 0..<4 { size = size << 8 | Int(data[offset + index]) }
            var header = 8
            if size == 1 {
                guard data.count - offset >= 16 else { return .endsEarly }
                size = 0
                for index in 8..<16 {
                    guard size >> 55 == 0 else { return .endsEarly }  // over any file we read
                    size = size << 8 | Int(data[offset + index])
                }
                header = 16
            } else if size == 0 {
                return .openEnded  // to the end of the file
            }
            guard size >= header else { return .malformed }
            guard size <= data.count - offset else { return .endsEarly }
            offset += size
        }
        return .whole
    }
}
