import Foundation
import Testing

@testable import Imaging

/// Files from the wild that other thumbnailers' bug reports describe: complete JPEGs that libjpeg
/// reads with a warning, 16-bit interlaced PNGs, a 12-bit JPEG. The fixtures are made at test time by
/// Pillow and pypng (Tests/peers/imaging_fixtures.py); the expected pixels are theirs.
@Suite("Real-world files", .offThePool)
struct RealWorldFileTests {
    @Test("a complete JPEG that libjpeg warns about decodes exactly like its clean original",
          arguments: Fixtures.names(prefix: "warned-"))
    func warnedJPEG(name: String) throws {
        let fixture = try Fixtures.named(name)
        let decoded = try decodeFull(try Fixtures.bytes(fixture))
        #expect((decoded.buffer.width, decoded.buffer.height) == (fixture.width, fixture.height))
        // Pillow's decode of this very file (libjpeg-turbo too, another version and upsampling path).
        let difference = PixelDifference(decoded.buffer.pixels, try Fixtures.reference(fixture))
        #expect(difference.maximum <= 3 && difference.mean < 0.5, "\(name): \(difference)")
        // And our own decode of the clean file, to the bit: nothing was padded or lost.
        let clean = try decodeFull(try Fixtures.bytes(try Fixtures.named("clean-300x200")))
        #expect(decoded.buffer.pixels == clean.buffer.pixels, "\(name)")
        // Through the whole pipeline too, at a scale that shrinks on load.
        let thumbnail = try Thumbnailer().makeThumbnails(
            from: try Fixtures.bytes(fixture), specs: [ThumbnailSpec(width: 60, height: 60)])
        #expect(thumbnail.thumbnails[0].width == 60 && thumbnail.source.shrinkOnLoad == 2)
    }

    @Test("every warned-JPEG recipe is there")
    func warnedFixtures() {
        #expect(Fixtures.names(prefix: "warned-").count == 7)
    }

    @Test("a JPEG whose data ends before its last row is truncated, however little is missing",
          arguments: ["clean-300x200", "jpeg-420", "jpeg-444", "jpeg-progressive", "jpeg-gray", "jpeg-cmyk"])
    func truncatedJPEG(name: String) throws {
        let bytes = try Fixtures.bytes(try Fixtures.named(name))
        // 3 bytes: EOI and the last byte of the last scan, which holds at least one bit of data.
        for missing in [3, 20, bytes.count / 3] {
            let error = #expect(throws: ImagingError.self) { try decodeFull(Array(bytes.dropLast(missing))) }
            #expect(error?.code == .truncated, "\(name) less \(missing) bytes: \(String(describing: error))")
        }
        // Only the EOI marker missing: every row is there.
        #expect(try decodeFull(Array(bytes.dropLast(2))).buffer.pixels == decodeFull(bytes).buffer.pixels, "\(name)")
    }

    @Test("restart markers, one scan per component, arithmetic coding, progressive: djpeg's pixels",
          arguments: Fixtures.names(prefix: "shape-"))
    func jpegShapes(name: String) throws {
        let fixture = try Fixtures.named(name)
        let decoded = try decodeFull(try Fixtures.bytes(fixture))
        let difference = PixelDifference(decoded.buffer.pixels, try Fixtures.reference(fixture))
        #expect(difference.maximum <= 3 && difference.mean < 0.5, "\(name): \(difference)")
    }

    @Test("cut before a restart marker, before a component's scan, before a progressive scan, or arithmetic-coded: truncated",
          arguments: Fixtures.names(prefix: "cut-"))
    func cutBetweenScans(name: String) throws {
        let error = #expect(throws: ImagingError.self) { try decodeFull(try Fixtures.bytes(try Fixtures.named(name))) }
        #expect(error?.code == .truncated, "\(name): \(String(describing: error))")
    }

    @Test("every JPEG shape and cut is there")
    func shapeFixtures() {
        #expect(Fixtures.names(prefix: "shape-").count == 4)
        // 2 arithmetic, 2 restart, 2 non-interleaved (before scans 2 and 3), 9 progressive (Pillow's 10 scans).
        #expect(Fixtures.names(prefix: "cut-").count == 15)
    }

    @Test("a sequential JPEG cut short and given its EOI back is refused, not padded grey")
    func cutWithEOI() throws {
        let bytes = try Fixtures.bytes(try Fixtures.named("clean-300x200"))
        let error = #expect(throws: ImagingError.self) { try decodeFull(Array(bytes.prefix(bytes.count / 2)) + [0xFF, 0xD9]) }
        #expect(error?.code == .corrupt, "\(String(describing: error))")
    }

    @Test("a 12-bit JPEG is valid but unsupported, named as such, from the header alone")
    func twelveBit() throws {
        let bytes = try Fixtures.bytes(try Fixtures.named("jpeg-12bit"))
        let error = #expect(throws: ImagingError.self) {
            try bytes.withUnsafeBufferPointer { try Thumbnailer().plan($0, specs: [ThumbnailSpec(width: 10, height: 10)]) }
        }
        #expect(error?.code == .unsupportedFormat)
        #expect(error?.message.contains("12-bit") == true, "\(error?.message ?? "")")
    }

    @Test("16-bit PNGs, Adam7 or not, in every colour type: pypng's samples to within one level",
          arguments: Fixtures.names(prefix: "png16-"))
    func sixteenBitPNG(name: String) throws {
        let fixture = try Fixtures.named(name)
        let decoded = try decodeFull(try Fixtures.bytes(fixture))
        #expect((decoded.buffer.width, decoded.buffer.height, decoded.buffer.channels)
            == (fixture.width, fixture.height, fixture.channels), "\(name)")
        // Invisible pixels (tRNS) have no colour to compare: compare what is seen, colour times alpha.
        let difference = PixelDifference(
            visible(decoded.buffer.pixels, channels: fixture.channels),
            visible(try Fixtures.reference(fixture), channels: fixture.channels))
        #expect(difference.maximum <= 1, "\(name): \(difference)")
    }

    @Test("a PNG's gAMA is applied: linear 16-bit samples come out as 255 (v / 65535)^(1/2.2)")
    func gamma() throws {
        let fixture = try Fixtures.named("gamma-png16-linear")
        let decoded = try decodeFull(try Fixtures.bytes(fixture))
        let difference = PixelDifference(decoded.buffer.pixels, try Fixtures.reference(fixture))
        #expect(difference.maximum <= 1, "\(difference)")
    }

    @Test("every 16-bit PNG recipe is there: 6 kinds, interlaced and not")
    func sixteenBitFixtures() {
        #expect(Fixtures.names(prefix: "png16-").count == 12)
    }

    @Test("an interlaced 16-bit PNG gives the same thumbnail as the same image not interlaced",
          arguments: ["png16-gray", "png16-gray-alpha", "png16-rgb", "png16-rgba", "png16-trns"])
    func interlacedThumbnail(kind: String) throws {
        let specs = [ThumbnailSpec(width: 9, height: 9, format: .png)]
        let plain = try Thumbnailer().makeThumbnails(from: try Fixtures.bytes(try Fixtures.named(kind + "-plain")), specs: specs)
        let adam7 = try Thumbnailer().makeThumbnails(from: try Fixtures.bytes(try Fixtures.named(kind + "-adam7")), specs: specs)
        let identical = plain.thumbnails[0].bytes == adam7.thumbnails[0].bytes
        #expect(identical, "\(kind): the interlaced file's thumbnail differs")
    }
}
