import Foundation
import NIOCore
import TestSupport
import Testing

@testable import ThumbAPI

/// The streaming multipart parser, fed the same bodies in every chunking: what comes out must be the
/// parts that went in, byte for byte, wherever the chunks split a delimiter or a header.
@Suite("Multipart parser")
struct MultipartParserTests {
    struct Part: Equatable {
        var headers: [String]
        var body: [UInt8]
    }

    /// Parses `body` fed in chunks of `sizes` (cycled); the parts, or the error.
    static func parse(_ body: [UInt8], boundary: String, sizes: [Int]) throws -> [Part] {
        var parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var open = false
        func handle(_ event: MultipartParser.Event) throws {
            switch event {
            case .part(let headers):
                #expect(!open, "a part began before the last one ended")
                open = true
                parts.append(Part(headers: headers.map { "\($0.name): \($0.value)" }, body: []))
            case .body(let bytes):
                #expect(open, "body bytes outside a part")
                parts[parts.count - 1].body += Array(bytes.readableBytesView)
            case .partEnd:
                #expect(open)
                open = false
            }
        }
        var offset = 0
        var turn = 0
        while offset < body.count {
            let size = min(sizes[turn % sizes.count], body.count - offset)
            try parser.feed(ByteBuffer(bytes: body[offset..<offset + size]), handle)
            offset += size
            turn += 1
        }
        try parser.finish()
        return parts
    }

    /// RFC 2046's framing of `parts`, written out by hand.
    static func encode(_ parts: [Part], boundary: String, preamble: String = "", epilogue: String = "") -> [UInt8] {
        var body = Array(preamble.utf8)
        for (index, part) in parts.enumerated() {
            body += Array(((index == 0 && preamble.isEmpty ? "" : "\r\n") + "--\(boundary)\r\n").utf8)
            for header in part.headers { body += Array("\(header)\r\n".utf8) }
            body += Array("\r\n".utf8)
            body += part.body
        }
        body += Array("\r\n--\(boundary)--".utf8) + Array(epilogue.utf8)
        return body
    }

    static let boundary = "----thumbd7MA4YWxkTrZu0gW"

    /// A file whose bytes hold every proper prefix of the delimiter, each followed by a byte that
    /// breaks it, plus lone CRs and LFs, at the start, the middle and the end.
    static var nearMisses: [UInt8] {
        let delimiter = Array("\r\n--\(boundary)".utf8)
        var bytes: [UInt8] = Array("\r\r\n\n-\r\n-".utf8)
        for length in 1..<delimiter.count {
            bytes += Array(delimiter.prefix(length)) + [0x00, 0xFF, 0x0D]
        }
        return bytes + Array("tail\r\n--".utf8) + delimiter.dropLast()
    }

    @Test("a form with fields and a file full of delimiter near-misses comes out whole in every chunking, down to a byte at a time")
    func everyChunking() throws {
        let parts = [
            Part(headers: ["Content-Disposition: form-data; name=\"sizes\""], body: Array("100x100,200x200".utf8)),
            Part(
                headers: ["Content-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"", "Content-Type: image/jpeg"],
                body: Self.nearMisses),
            Part(headers: ["Content-Disposition: form-data; name=\"empty\""], body: []),
        ]
        let body = Self.encode(parts, boundary: Self.boundary)
        for size in 1...body.count {
            #expect(try Self.parse(body, boundary: Self.boundary, sizes: [size]) == parts, "chunks of \(size)")
        }
        #expect(try Self.parse(body, boundary: Self.boundary, sizes: [3, 1, 7, 2, 64]) == parts)
    }

    @Test("random bytes rich in CR, LF and dashes, in random chunks, come out as they went in")
    func randomBodies() throws {
        var generator = SplitMix64(state: 20261130)
        let alphabet = Array("\r\n-\r\n--thumbd".utf8) + [0x00, 0xFF]
        for _ in 0..<200 {
            let parts = (0..<Int.random(in: 1...4, using: &generator)).map { index in
                Part(
                    headers: ["Content-Disposition: form-data; name=\"f\(index)\""],
                    body: (0..<Int.random(in: 0...3000, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            }
            let body = Self.encode(parts, boundary: Self.boundary)
            let sizes = (0..<5).map { _ in Int.random(in: 1...512, using: &generator) }
            #expect(try Self.parse(body, boundary: Self.boundary, sizes: sizes) == parts)
        }
    }

    @Test("a preamble, an epilogue, padding after a boundary, a part without headers and a folded header line")
    func grammarCorners() throws {
        let body = Array(
            ("This is the preamble.\r\n--b  \t\r\nContent-Disposition: form-data;\r\n\tname=\"x\"\r\n\r\nvalue"
                + "\r\n--b\r\n\r\nno headers\r\n--b--\r\nThis is the epilogue, with --b in it.").utf8)
        #expect(
            try Self.parse(body, boundary: "b", sizes: [5])
                == [
                    Part(headers: ["Content-Disposition: form-data; name=\"x\""], body: Array("value".utf8)),
                    Part(headers: [], body: Array("no headers".utf8)),
                ])
    }

    @Test(
        "malformed bodies are refused with the reason",
        arguments: [
            ("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue", "the body ends before its closing boundary"),
            ("no boundary here at all", "no boundary line was found"),
            ("--b\r\nno colon\r\n\r\nvalue\r\n--b--", "a part's header line is not name: value"),
            ("--b\r\n: empty name\r\n\r\nvalue\r\n--b--", "a part's header line is not name: value"),
            ("--b\r\nA: b\rc\r\n\r\nvalue\r\n--b--", "a part's header line holds a bare CR or LF"),
            ("--bX\r\n\r\nvalue\r\n--b--", "a boundary line is followed by something other than CRLF or --"),
        ])
    func malformed(body: String, reason: String) {
        #expect {
            _ = try Self.parse(Array(body.utf8), boundary: "b", sizes: [4])
        } throws: { error in
            (error as? MultipartParser.Malformed)?.reason == reason
        }
    }

    @Test("a header section that never ends is refused once it passes 8 KB, not buffered on")
    func endlessHeaders() {
        var parser = MultipartParser(boundary: "b")
        #expect(throws: MultipartParser.Malformed.self) {
            try parser.feed(ByteBuffer(string: "--b\r\nX: "), { _ in })
            for _ in 0..<100 { try parser.feed(ByteBuffer(repeating: UInt8(ascii: "a"), count: 1024), { _ in }) }
        }
    }

    @Test("a part of nothing but CRs, 50 MB of it in 64 KB chunks: the parser's memory stays at about two chunks")
    func boundedMemory() throws {
        var parser = MultipartParser(boundary: "b")
        var received = 0
        try parser.feed(ByteBuffer(string: "--b\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\n"), { _ in })
        let chunk = ByteBuffer(repeating: 0x0D, count: 64 << 10)
        var largest = 0
        for _ in 0..<800 {
            try parser.feed(chunk) { event in
                if case .body(let bytes) = event { received += bytes.readableBytes }
            }
            largest = max(largest, parser.bufferCapacity)
        }
        try parser.feed(ByteBuffer(string: "\r\n--b--"), { event in
            if case .body(let bytes) = event { received += bytes.readableBytes }
        })
        try parser.finish()
        #expect(received == 800 << 16, "every CR is body")
        #expect(largest <= 256 << 10, "held \(largest) bytes")
    }

    @Test("a body made by urllib3's encoder (the one requests uses), with a UTF-8 file name and binary data")
    func urllib3Body() throws {
        let script = """
            import sys
            from urllib3 import encode_multipart_formdata
            data = bytes(range(256)) * 40 + b"\\r\\n--\\r\\n"
            body, content_type = encode_multipart_formdata([
                ("sizes", "320x240"),
                ("image", ("f\\u00f6to 1.jpg", data, "image/jpeg")),
            ])
            sys.stdout.buffer.write(content_type.encode() + b"\\n" + body)
            """
        let output = try runProcess("/usr/bin/env", ["python3", "-c", script]).stdout
        let newline = output.firstIndex(of: 0x0A)!
        let contentType = String(decoding: output[..<newline], as: UTF8.self)
        let boundary = try #require(UploadReader.boundary(in: contentType))
        let parts = try Self.parse(Array(output[(newline + 1)...]), boundary: boundary, sizes: [1000])
        #expect(parts.count == 2)
        #expect(parts.first?.body == Array("320x240".utf8))
        let image = try #require(parts.last)
        #expect(image.body == Array((0...255).map(UInt8.init).repeated(40)) + Array("\r\n--\r\n".utf8))
        let disposition = try #require(image.headers.first { $0.lowercased().hasPrefix("content-disposition:") })
        #expect(UploadReader.parameter("name", in: disposition) == "image")
        #expect(UploadReader.parameter("filename", in: disposition) == "föto 1.jpg")
    }
}

extension Array {
    fileprivate func repeated(_ times: Int) -> [Element] { (0..<times).flatMap { _ in self } }
}

