#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A progressive JPEG's layout, scan by scan (ITU T.81, annex B): where each scan's header and
/// entropy-coded data lie, which components it codes and which coefficients (its spectral selection
/// `Ss...Se` and successive-approximation bits). Read without decoding any Huffman data: a walk over
/// the markers, and over each scan's data to the next marker that is not `RSTn` or a stuffed `FF 00`.
///
/// It exists so that a decode at 1/8 can leave out the AC scans it never reads
/// (`removingACScans(of:)`): libjpeg decodes a full-resolution component at 1/8 with a 1 x 1 inverse
/// DCT, which reads each block's DC coefficient only, and a progressive file sends AC coefficients in
/// scans of their own (annex G) that are most of its bytes.
///
/// The walk is strict where libjpeg is lenient: anything it does not expect gives `nil` (and the
/// caller decodes the file as it is, where libjpeg reports what is wrong). That is: no SOI, a frame
/// other than SOF2 (progressive, Huffman), a second frame, a segment running past the data, bytes
/// other than fill `FF`s between segments, `RSTn` or `SOI` outside a scan, DNL, a scan header that
/// breaks G.1.1.1.1 (an AC scan of more than one component or before its component's DC, a DC scan
/// with `Se` > 0, `Al` > 13, a refinement whose `Al` is not `Ah - 1`: what libjpeg's jdphuff.c
/// refuses), names a component not in the frame or a Huffman table no DHT defined before it, more
/// than `maxScans` scans, data that ends before EOI, and a Huffman table libjpeg would refuse. So a
/// scan left out could not have made the whole file fail for its header or its tables; damage
/// inside its entropy-coded data is not looked for (a file whose left-out scans are damaged decodes
/// at 1/8, and is `corrupt` at other scales).
struct JPEGScans {
    struct Scan {
        /// From the SOS marker's `FF` to the end of the scan's entropy-coded data.
        var range: Range<Int>
        /// Frame component indices (0-based, in SOF order) the scan codes.
        var components: [Int]
        /// The spectral selection: coefficients `spectralStart...spectralEnd` in zigzag order; 0...0
        /// is a DC scan.
        var spectralStart: Int
        var spectralEnd: Int
        /// `Ah` and `Al`: the bit position sent before (0 on a first scan) and the one this scan sends.
        var approximationHigh: Int
        var approximationLow: Int

        var isAC: Bool { spectralStart > 0 }
    }

    /// The frame's component identifiers, in SOF order.
    private(set) var componentIDs: [UInt8] = []
    private(set) var scans: [Scan] = []
    /// Just past the EOI marker: what follows (a phone's appended video, padding) is not the image's.
    private(set) var end = 0
    /// Whether every coefficient of every component ends at full precision (the last scan that sent
    /// it had `Al` = 0). Only then is libjpeg's block smoothing idle, so that a decode without it (which
    /// leaving out scans needs) gives the pixels a decode of the whole file gives.
    private(set) var isComplete = false

    /// - Parameter maxScans: more scans than this gives `nil`, so that the decode that follows
    ///   refuses the file as usual.
    init?(_ bytes: UnsafeBufferPointer<UInt8>, maxScans: Int) {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var position = 2
        var sawFrame = false
        var sentDC = Set<Int>()  // components whose DC first scan came
        var tables = Set<UInt8>()  // Huffman tables defined so far: class << 4 | id
        var finished: [UInt64] = []  // per component, the coefficients whose last scan sent them in full
        while true {
            // A marker, after any fill bytes (B.1.1.2).
            guard position < bytes.count, bytes[position] == 0xFF else { return nil }
            let markerStart = position
            while position < bytes.count && bytes[position] == 0xFF { position += 1 }
            guard position < bytes.count else { return nil }
            let marker = bytes[position]
            position += 1
            switch marker {
            case 0xD9:  // EOI
                guard !scans.isEmpty else { return nil }
                end = position
                isComplete = finished.allSatisfy { $0 == .max }
                return
            case 0x00, 0x01, 0xD0...0xD8, 0xDC:  // a stuffed byte, TEM, RSTn or SOI out of place; DNL
                return nil
            default:
                break
            }
            guard position + 2 <= bytes.count else { return nil }
            let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
            guard length >= 2, position + length <= bytes.count else { return nil }
            let segment = UnsafeBufferPointer(rebasing: bytes[(position + 2)..<(position + length)])
            position += length
            switch marker {
            case 0xC2:  // SOF2: P, Y, X, Nf, then Nf x (C, H/V, Tq)
                guard !sawFrame, segment.count >= 6 else { return nil }
                let count = Int(segment[5])
                guard (1...4).contains(count), segment.count == 6 + 3 * count else { return nil }
                componentIDs = (0..<count).map { segment[6 + 3 * $0] }
                guard Set(componentIDs).count == count else { return nil }
                finished = Array(repeating: 0, count: count)
                sawFrame = true
            case 0xC4:  // DHT: (Tc/Th, 16 counts, the symbols) repeated (B.2.4.2)
                guard let defined = Self.huffmanTables(segment) else { return nil }
                tables.formUnion(defined)
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                return nil  // any other frame: sequential, arithmetic, lossless or hierarchical
            case 0xDA:
                guard sawFrame, scans.count < maxScans, let scan = Self.scan(segment, ids: componentIDs) else { return nil }
                // G.1.1.1.1: a component's DC must come before its AC (so a walk leaves a DC scan).
                if scan.start == 0 { sentDC.formUnion(scan.components) }
                guard scan.start == 0 || sentDC.isSuperset(of: scan.components) else { return nil }
                // The tables the scan decodes with: DC for a first DC scan, AC for any AC scan.
                let needed = scan.start > 0 ? scan.tables.map { 0x10 | $0.ac } : scan.high == 0 ? scan.tables.map(\.dc) : []
                guard tables.isSuperset(of: needed) else { return nil }
                // Each coefficient's precision is the last scan's that sent it, as libjpeg's coef_bits
                // (jdphuff.c sets it to that scan's Al): a later first scan of a band at Al > 0
                // makes it incomplete again.
                let band = (scan.end == 63 ? UInt64.max : (UInt64(1) << (scan.end + 1)) - 1) & ~((UInt64(1) << scan.start) - 1)
                for component in scan.components {
                    finished[component] = scan.low == 0 ? finished[component] | band : finished[component] & ~band
                }
                guard let dataEnd = Self.entropyCodedEnd(bytes, from: position) else { return nil }
                scans.append(Scan(
                    range: markerStart..<dataEnd, components: scan.components, spectralStart: scan.start,
                    spectralEnd: scan.end, approximationHigh: scan.high, approximationLow: scan.low))
                position = dataEnd
            default:
                break  // DHT, DQT, DRI, DAC, APPn, COM...: kept as they are
            }
        }
    }

    /// A scan header (B.2.3): Ns, Ns x (Cs, Td/Ta), Ss, Se, Ah/Al; checked against G.1.1.1.1 and
    /// what libjpeg-turbo's `start_pass_phuff_decoder` refuses.
    private static func scan(
        _ segment: UnsafeBufferPointer<UInt8>, ids: [UInt8]
    ) -> (components: [Int], tables: [(dc: UInt8, ac: UInt8)], start: Int, end: Int, high: Int, low: Int)? {
        guard let count = segment.first.map(Int.init), (1...4).contains(count), segment.count == 4 + 2 * count else { return nil }
        var components: [Int] = []
        var tables: [(dc: UInt8, ac: UInt8)] = []
        for index in 0..<count {
            guard let component = ids.firstIndex(of: segment[1 + 2 * index]), !components.contains(component) else { return nil }
            components.append(component)
            tables.append((segment[2 + 2 * index] >> 4, segment[2 + 2 * index] & 0x0F))
        }
        let start = Int(segment[1 + 2 * count])
        let end = Int(segment[2 + 2 * count])
        let high = Int(segment[3 + 2 * count] >> 4)
        let low = Int(segment[3 + 2 * count] & 0x0F)
        if start == 0 {
            guard end == 0 else { return nil }
        } else {
            guard count == 1, start <= end, end <= 63 else { return nil }
        }
        guard low <= 13, high == 0 || low == high - 1 else { return nil }
        return (components, tables, start, end, high, low)
    }

    /// The tables a DHT segment defines (class << 4 | id), or `nil` when it is malformed or a table
    /// is one libjpeg refuses when a scan uses it (jdhuff.c's `jpeg_make_d_derived_tbl`: more codes
    /// of a length than fit in it, a DC symbol above 15), so that a table only left-out scans use
    /// cannot make the whole file fail where the filtered one succeeds.
    private static func huffmanTables(_ segment: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var defined: [UInt8] = []
        var position = 0
        while position < segment.count {
            let table = segment[position]
            guard table >> 4 <= 1, table & 0x0F <= 3, position + 17 <= segment.count else { return nil }
            let counts = segment[(position + 1)...(position + 16)].map(Int.init)
            let symbols = counts.reduce(0, +)
            guard symbols <= 256, position + 17 + symbols <= segment.count else { return nil }
            // Canonical codes (C.2): after the codes of length l, the next code must still fit in l bits.
            var code = 0
            let longest = counts.lastIndex { $0 > 0 } ?? -1
            for length in 0...max(longest, 0) where longest >= 0 {
                code += counts[length]
                guard code < 1 << (length + 1) else { return nil }
                code <<= 1
            }
            if table >> 4 == 0 {
                guard segment[(position + 17)..<(position + 17 + symbols)].allSatisfy({ $0 <= 15 }) else { return nil }
            }
            defined.append(table)
            position += 17 + symbols
        }
        return defined
    }

    /// Where a scan's entropy-coded data ends: the first `FF` not followed by `00` (a stuffed data
    /// byte) or `D0`-`D7` (a restart marker). `nil` when the data ends first.
    private static func entropyCodedEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var position = start
        while position < bytes.count {
            guard let found = memchr(base + position, 0xFF, bytes.count - position) else { return nil }
            let offset = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            guard offset + 1 < bytes.count else { return nil }
            let next = bytes[offset + 1]
            if next == 0x00 || (0xD0...0xD7).contains(next) {
                position = offset + 2
            } else {
                return offset
            }
        }
        return nil
    }

    /// The file up to EOI without the AC scans of `components` (frame indices), or `nil` when it has
    /// none of them. Every other byte is kept as it was: the frame, the tables, the DC scans (first
    /// and refinement), the other components' AC scans, the markers between scans.
    func removingACScans(of components: Set<Int>, from bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let dropped = scans.filter { scan in scan.isAC && scan.components.allSatisfy(components.contains) }
        guard !dropped.isEmpty else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(end - dropped.reduce(0) { $0 + $1.range.count })
        var kept = 0
        for scan in dropped {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[kept..<scan.range.lowerBound]))
            kept = scan.range.upperBound
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[kept..<end]))
        return output
    }
}
