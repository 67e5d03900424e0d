import Foundation
import NIOCore

/// A streaming parser of a multipart body (RFC 2046 section 5.1.1, the framing
/// `multipart/form-data` uses, RFC 7578): bytes go in as they arrive, in chunks of any size, and
/// come out as events. A part's body is handed over as slices of the buffers it arrived in (no
/// per-byte work: the scan jumps from one CR to the next with `memchr`; a chunk is copied only to
/// join it to a tail held back from the one before), holding back only a tail that might be the
/// start of the next delimiter. Memory is bounded by about two chunks plus `maxHeaderBytes`,
/// whatever the body: bytes already handed over are discarded after every chunk.
///
/// The grammar it reads (RFC 2046): a preamble (ignored), then `CRLF "--" boundary`, optional
/// spaces and tabs, and CRLF; each part is header lines, an empty line, and the body up to the next
/// `CRLF "--" boundary`; the last delimiter is followed by `--`, and the epilogue after it is ignored.
/// The first delimiter may open the body without its CRLF.
struct MultipartParser {
    /// What the parser found, in order.
    enum Event {
        /// A part begins: its header fields as sent (names in their case, values without the spaces
        /// around them; folded lines joined).
        case part(headers: [(name: String, value: String)])
        /// The next bytes of the current part's body.
        case body(ByteBuffer)
        /// The current part's body is complete.
        case partEnd
    }

    /// The body does not follow the grammar; `reason` says where.
    struct Malformed: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// The most bytes of one part's header section.
    static let maxHeaderBytes = 8 << 10

    private enum State {
        case preamble, afterDelimiter, headers, body, epilogue
    }

    /// `CRLF "--" boundary`.
    private let delimiter: [UInt8]
    private var buffer = ByteBuffer(string: "\r\n")  // so a body that opens with the delimiter matches it
    private var state = State.preamble
    /// How many bytes of the header section in `buffer` are known to hold no CRLF CRLF (so bytes
    /// trickling in are not rescanned from the start each time).
    private var headerScanned = 0

    /// - Parameter boundary: the Content-Type's `boundary` parameter (1 to 70 characters, RFC 2046).
    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Parses the next chunk of the body, calling `handle` for every event it completes.
    /// - Throws: `Malformed`, or what `handle` throws (parsing stops there).
    mutating func feed(_ chunk: ByteBuffer, _ handle: (Event) throws -> Void) throws {
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        while try step(handle) {}
        // ByteBuffer keeps the bytes it has read until told otherwise: without this, a tail held
        // back after every chunk (a body of CRs) would keep the whole body.
        if buffer.readableBytes == 0 {
            buffer = ByteBuffer()
        } else {
            buffer.discardReadBytes()
        }
    }

    /// The bytes of storage the parser holds (for tests of its memory bound).
    var bufferCapacity: Int { buffer.capacity }

    /// Checks that the body ended where it may: after the closing delimiter.
    /// - Throws: `Malformed` when it ended inside the preamble, a part or a delimiter.
    func finish() throws {
        switch state {
        case .epilogue: return
        case .preamble: throw Malformed(reason: "no boundary line was found")
        default: throw Malformed(reason: "the body ends before its closing boundary")
        }
    }

    /// One step of the state machine; false when it needs more bytes.
    private mutating func step(_ handle: (Event) throws -> Void) throws -> Bool {
        switch state {
        case .preamble, .body:
            let (end, found) = findDelimiter()
            if state == .body && end > 0 {
                try handle(.body(buffer.readSlice(length: end)!))
            } else {
                buffer.moveReaderIndex(forwardBy: end)
            }
            guard found else { return false }
            buffer.moveReaderIndex(forwardBy: delimiter.count)
            if state == .body { try handle(.partEnd) }
            state = .afterDelimiter
            return true
        case .afterDelimiter:
            // Transport padding (spaces and tabs), then CRLF, or "--" for the closing delimiter.
            while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), byte == 0x20 || byte == 0x09 {
                buffer.moveReaderIndex(forwardBy: 1)
            }
            guard let pair = buffer.getBytes(at: buffer.readerIndex, length: 2) else { return false }
            switch pair {
            case [0x2D, 0x2D]:
                state = .epilogue
            case [0x0D, 0x0A]:
                state = .headers
            default:
                throw Malformed(reason: "a boundary line is followed by something other than CRLF or --")
            }
            buffer.moveReaderIndex(forwardBy: 2)
            return true
        case .headers:
            guard let headers = try readHeaderSection() else { return false }
            try handle(.part(headers: headers))
            state = .body
            headerScanned = 0
            return true
        case .epilogue:
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return false
        }
    }

    /// Where the readable bytes hold the delimiter: `found` with the offset of its first byte, or
    /// not found with the offset from which the bytes might still become it (the end when they cannot).
    private func findDelimiter() -> (end: Int, found: Bool) {
        buffer.withUnsafeReadableBytes { bytes -> (Int, Bool) in
            guard let base = bytes.baseAddress else { return (0, false) }
            let count = bytes.count
            return delimiter.withUnsafeBytes { delimiter -> (Int, Bool) in
                var from = 0
                while from < count, let hit = memchr(base + from, Int32(delimiter[0]), count - from) {
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    let available = min(delimiter.count, count - at)
                    if memcmp(base + at, delimiter.baseAddress!, available) == 0 {
                        return (at, available == delimiter.count)
                    }
                    from = at + 1
                }
                return (count, false)
            }
        }
    }

    /// The header section when it is complete (through its empty line), else nil.
    /// - Throws: `Malformed` for a section over `maxHeaderBytes` or a line that is not `name: value`.
    private mutating func readHeaderSection() throws -> [(name: String, value: String)]? {
        let view = buffer.readableBytesView
        let crlf: [UInt8] = [0x0D, 0x0A]
        if view.starts(with: crlf) {
            buffer.moveReaderIndex(forwardBy: 2)
            return []
        }
        let start = headerScanned
        let end = buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= 4, start <= bytes.count - 4 else { return nil }
            return (start...(bytes.count - 4)).first { index in
                bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A
            }
        }
        guard let end else {
            // The terminator may have begun in the last 3 bytes: the section is at least this long.
            let known = buffer.readableBytes - 3
            if known > Self.maxHeaderBytes {
                throw Malformed(reason: "a part's headers are over \(Self.maxHeaderBytes >> 10) KB")
            }
            headerScanned = max(0, known)
            return nil
        }
        guard end <= Self.maxHeaderBytes else {
            throw Malformed(reason: "a part's headers are over \(Self.maxHeaderBytes >> 10) KB")
        }
        let section = buffer.readBytes(length: end)!
        buffer.moveReaderIndex(forwardBy: 4)
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var index = 0
        while index < section.count {
            if section[index] == 0x0D && index + 1 < section.count && section[index + 1] == 0x0A {
                lines.append(section[lineStart..<index])
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        lines.append(section[lineStart...])
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard !line.contains(0x0D) && !line.contains(0x0A) else {
                throw Malformed(reason: "a part's header line holds a bare CR or LF")
            }
            if line.first == 0x20 || line.first == 0x09, let last = headers.popLast() {
                // An obsolete folded line (RFC 5322 section 2.2.3): it continues the previous value.
                headers.append((last.name, last.value + " " + Self.trimmed(line)))
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                throw Malformed(reason: "a part's header line is not name: value")
            }
            headers.append((String(decoding: line[..<colon], as: UTF8.self), Self.trimmed(line[(colon + 1)...])))
        }
        return headers
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
