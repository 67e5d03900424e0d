/// The top-level boxes of an ISO base media file (ISO/IEC 14496-12 4.2: a 32-bit size and a type,
/// a 64-bit size when the 32-bit one is 1, to the end of the file when it is 0), walked only to tell a
/// file that was cut short from one that is damaged when a HEIF/AVIF parser refuses it.
enum ISOBMFFBoxes {
    /// Whether a top-level box claims more bytes than the data has (or its header itself is cut).
    static func endsEarly(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        var offset = 0
        // Bounded: each box is at least 8 bytes, so at most count / 8 steps.
        while offset < data.count {
            guard data.count - offset >= 8 else { return true }
            var size = 0
            for index in 0..<4 { size = size << 8 | Int(data[offset + index]) }
            var header = 8
            if size == 1 {
                guard data.count - offset >= 16 else { return true }
                size = 0
                for index in 8..<16 {
                    guard size >> 55 == 0 else { return true }  // over any file we read
                    size = size << 8 | Int(data[offset + index])
                }
                header = 16
            } else if size == 0 {
                return false  // to the end of the file
            }
            guard size >= header else { return false }  // malformed, not short
            guard size <= data.count - offset else { return true }
            offset += size
        }
        return false
    }
}
