import Foundation
import Testing

@testable import Imaging

/// Every bad input gives its error code, fast, and never crashes.
@Suite("Bad input", .offThePool)
struct BadInputTests {
    let thumbnailer = Thumbnailer()
    let spec = ThumbnailSpec(width: 100, height: 100)

    func code(_ bytes: [UInt8], limits: ImagingLimits = ImagingLimits()) -> ImagingError.Code? {
        do {
            _ = try Thumbnailer(limits: limits).makeThumbnails(from: bytes, specs: [spec])
            return nil
        } catch let error as ImagingError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test("empty, text and unknown bytes")
    func notImages() {
        #expect(code([]) == .empty)
        #expect(code(Array("{\"bucket\": \"b\"}".utf8)) == .unsupportedFormat)
        #expect([.corrupt, .truncated].contains(code([0xFF, 0xD8])))
    }

    @Test("a truncated JPEG or PNG is an error, not a thumbnail with a grey bottom", arguments: ["jpeg-420", "jpeg-progressive", "png-rgb8", "png-adam7", "photo-1600"])
    func truncated(name: String) throws {
        let bytes = try Fixtures.bytes(try Fixtures.named(name))
        for fraction in [0.3, 0.6, 0.9] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
            let result = code(cut)
            #expect(result == .truncated || result == .corrupt, "\(name) cut at \(fraction): \(String(describing: result))")
        }
        // (A JPEG or PNG missing only its end marker has every pixel: RealWorldFileTests.)
    }

    @Test("garbage after a valid header is corrupt")
    func corrupt() throws {
        var bytes = try Fixtures.bytes(try Fixtures.named("png-rgb8"))
        for index in stride(from: 60, to: bytes.count - 20, by: 7) { bytes[index] ^= 0x5A }
        #expect(code(bytes) == .corrupt)
        var jpeg = try Fixtures.bytes(try Fixtures.named("jpeg-444"))
        // Break the Huffman table definitions.
        let dht = try #require((0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC4 }), "the fixture has no DHT")
        for index in (dht + 5)..<(dht + 40) { jpeg[index] = 0xFF }
        #expect(code(jpeg) == .corrupt)
    }

    @Test("a PNG declaring 30000 x 30000 is refused from its header, in milliseconds")
    func decompressionBomb() throws {
        var png = try Fixtures.bytes(try Fixtures.named("png-rgb8"))
        // IHDR width and height at bytes 16..<24 (the CRC is left wrong: we refuse before checking it).
        for (offset, value) in [(16, 30000), (20, 30000)] {
            png[offset] = UInt8(value >> 24 & 0xFF); png[offset + 1] = UInt8(value >> 16 & 0xFF)
            png[offset + 2] = UInt8(value >> 8 & 0xFF); png[offset + 3] = UInt8(value & 0xFF)
        }
        let start = ContinuousClock.now
        #expect(code(png) == .tooLarge)
        // Decoding 900 megapixels would take seconds and gigabytes; the header check takes microseconds.
        #expect(start.duration(to: .now) < .milliseconds(500))

        var jpeg = try Fixtures.bytes(try Fixtures.named("jpeg-444"))
        // The JPEG half must run: a fixture without a baseline SOF0 fails here instead of skipping it.
        let sof = try #require((0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }), "the fixture has no SOF0")
        jpeg[sof + 5] = 0xFF; jpeg[sof + 6] = 0xFF; jpeg[sof + 7] = 0xFF; jpeg[sof + 8] = 0xFF  // 65535 x 65535
        #expect(code(jpeg) == .tooLarge)
        jpeg[sof + 5] = 0; jpeg[sof + 6] = 0  // height 0
        #expect(code(jpeg) == .corrupt)
    }

    @Test("a PNG chunk claiming 2 GB is a truncated file, found before libpng allocates the 2 GB")
    func hugeChunk() throws {
        let png = try Fixtures.bytes(try Fixtures.named("png-rgb8"))
        // After the signature and IHDR (8 + 25 bytes): a tEXt chunk that claims 0x7FFFFFF0 bytes.
        let claim: [UInt8] = [0x7F, 0xFF, 0xFF, 0xF0] + Array("tEXtcomment".utf8)
        let hostile = Array(png[..<33]) + claim + Array(png[33...])
        let error = #expect(throws: ImagingError.self) { try thumbnailer.makeThumbnails(from: hostile, specs: [spec]) }
        #expect(error?.code == .truncated)
        // Our chunk walk refused it (libpng, given the chunk, allocates the 2 GB first: 2 GB of RSS).
        #expect(error?.message.contains("claims 2147483632 bytes") == true)
    }

    @Test("the memory estimate adds a progressive JPEG's full-size coefficient buffer")
    func memoryEstimate() throws {
        // The same 97 x 61 picture, baseline and progressive: libjpeg keeps 64 two-byte coefficients per
        // 8 x 8 block of each of 3 components for a progressive one (13 x 8 blocks), whatever the scale.
        func estimate(_ name: String) throws -> Int {
            let bytes = try Fixtures.bytes(try Fixtures.named(name))
            return try bytes.withUnsafeBufferPointer { try thumbnailer.plan($0, specs: [spec]).estimatedMemoryBytes }
        }
        #expect(try estimate("jpeg-progressive") - estimate("jpeg-444") == 3 * 13 * 8 * 128)
    }

    @Test("limits: file bytes, megapixels and output size are configurable")
    func limits() throws {
        let bytes = try Fixtures.bytes(try Fixtures.named("photo-1600"))
        #expect(code(bytes, limits: ImagingLimits(maxInputBytes: 1000)) == .tooLarge)
        #expect(code(bytes, limits: ImagingLimits(maxPixels: 1_000_000)) == .tooLarge)
        let huge = ThumbnailSpec(width: 9000, height: 9000, enlarge: true)
        #expect(throws: ImagingError.self) { try Thumbnailer().makeThumbnails(from: bytes, specs: [huge]) }
        let zero = ThumbnailSpec(width: 0, height: 10)
        let error = #expect(throws: ImagingError.self) { try Thumbnailer().makeThumbnails(from: bytes, specs: [zero]) }
        #expect(error?.code == .invalidOptions)
        #expect(ImagingError.Code.allCases.map(\.rawValue).contains("unsupported_format"))
    }
}
