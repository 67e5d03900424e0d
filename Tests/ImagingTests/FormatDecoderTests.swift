import Foundation
import TestSupport
import Testing

@testable import Imaging

/// WebP, HEIC, AVIF and GIF: files made by independent encoders (cwebp, heif-enc, avifenc, Pillow,
/// pillow-heif, ImageMagick) decoded by us, against an independent decoder's pixels (dwebp,
/// heif-convert, Pillow, pillow-heif).
@Suite("Decoding WebP, HEIC, AVIF and GIF, against independent decoders", .offThePool)
struct FormatDecoderTests {
    static let formats = Fixtures.formats

    /// Lossy codecs decoded by two decoders may differ by a level or two (YUV to RGB rounding and
    /// upsampling); the issue's bound is a mean of 2 levels.
    @Test("each kind decodes within a mean of 2 levels of the independent decoder",
          arguments: ["webp-", "heic", "avif", "gif"].flatMap { formats.names(prefix: $0) })
    func matchesReference(name: String) throws {
        let fixture = try Self.formats.named(name)
        let decoded = try decodeFull(try Self.formats.bytes(fixture))
        #expect((decoded.buffer.width, decoded.buffer.height) == (fixture.width, fixture.height), "\(name)")
        #expect(decoded.orientation == .up, "\(name): turned by libheif already, or has no orientation")
        #expect(decoded.buffer.channels == 4)
        #expect(decoded.buffer.hasAlpha == (fixture.alpha ?? false), "\(name): alpha")
        guard decoded.buffer.pixels.count == fixture.width * fixture.height * 4 else { return }
        let difference = PixelDifference(
            visible(decoded.buffer.pixels, channels: 4), visible(try Self.formats.reference(fixture), channels: 4))
        #expect(difference.mean <= 2, "\(name): \(difference)")
    }

    @Test("a HEIC's irot is applied once, and an EXIF orientation inside it is not applied again")
    func heifRotation() throws {
        for name in ["heic-irot", "heic-irot-exif"] {
            let fixture = try Self.formats.named(name)
            let bytes = try Self.formats.bytes(fixture)
            let header = try bytes.withUnsafeBufferPointer { try ImageDecoder.probe($0) }
            #expect(header.orientation == .up)
            #expect((header.width, header.height) == (fixture.width, fixture.height), "\(name): the upright size")
            #expect((fixture.stored_width, fixture.stored_height) == (fixture.height, fixture.width), "\(name): stored turned")
            let thumbnails = try Thumbnailer().makeThumbnails(from: bytes, specs: [ThumbnailSpec(width: 40, height: 40, format: .png)])
            let thumbnail = thumbnails.thumbnails[0]
            #expect(fixture.width < fixture.height ? thumbnail.width < thumbnail.height : thumbnail.width > thumbnail.height, "\(name)")
        }
    }

    /// avifenc writes the container's rotation and mirroring (lossless, so the pixels are exact);
    /// heif-convert (libheif, which applies them) gives the upright reference.
    @Test("an AVIF's irot and imir, all 12 combinations, shown as libheif shows them",
          arguments: [0, 1, 2, 3].flatMap { angle in [nil, 0, 1].map { (angle, $0) } })
    func avifTransformations(angle: Int, mirror: Int?) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thumbd-avif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Fixtures.folder.get().appendingPathComponent(try Fixtures.named("png-rgb8").file).path
        let avif = folder.appendingPathComponent("t.avif").path
        let upright = folder.appendingPathComponent("t.png").path
        var arguments = ["avifenc", "-l", "--irot", "\(angle)", source, avif]
        if let mirror { arguments.insert(contentsOf: ["--imir", "\(mirror)"], at: 2) }
        let encoded = try runProcess("/usr/bin/env", arguments)
        try #require(encoded.status == 0, "avifenc (Debian libavif-bin): \(encoded.stderr)")
        let converted = try runProcess("/usr/bin/env", ["heif-convert", avif, upright])
        try #require(converted.status == 0, "heif-convert (Debian libheif-examples): \(converted.stderr)")
        let reference = try runProcess(
            "/usr/bin/env", ["python3", "-c", "import sys; from PIL import Image; sys.stdout.buffer.write(Image.open(sys.argv[1]).convert('RGBA').tobytes())", upright])
        let decoded = try decodeFull([UInt8](try Data(contentsOf: URL(fileURLWithPath: avif))))
        let turned = Orient.apply(decoded.orientation, to: decoded.buffer)
        let expected = try runProcess("/usr/bin/env", ["python3", "-c", "import sys; from PIL import Image; print('%dx%d' % Image.open(sys.argv[1]).size)", upright])
        #expect("\(turned.width)x\(turned.height)" == expected.output.trimmingCharacters(in: .whitespacesAndNewlines))
        guard turned.pixels.count == reference.stdout.count else { return }
        #expect(PixelDifference(turned.pixels, [UInt8](reference.stdout)).maximum == 0, "irot \(angle), imir \(mirror.map(String.init) ?? "-")")
    }

    @Test("a HEIC's embedded thumbnail is decoded when it is at least twice the output, else the image")
    func heifThumbnail() throws {
        let fixture = try Self.formats.named("heic-thumbnail")
        let thumbnailSize = try #require(fixture.thumbnail_width.flatMap { w in fixture.thumbnail_height.map { (w, $0) } })
        let bytes = try Self.formats.bytes(fixture)
        let small = try bytes.withUnsafeBufferPointer { try ImageDecoder.decode($0, minimumSize: thumbnailSize) }
        #expect((small.buffer.width, small.buffer.height) == thumbnailSize, "the thumbnail was used, whole")
        // Not enough: the image itself (319 x 199), box-shrunk on load by 6 to no less than the minimum.
        let large = try bytes.withUnsafeBufferPointer { try ImageDecoder.decode($0, minimumSize: (thumbnailSize.0 + 1, thumbnailSize.1 + 1)) }
        #expect((fixture.width, fixture.height, thumbnailSize.0, thumbnailSize.1) == (319, 199, 48, 28))
        #expect((large.buffer.width, large.buffer.height) == (54, 34), "the image itself")
        #expect(large.loadScale == (6, 6))
        // The thumbnail's pixels are the same picture: a small output from either is close.
        let fromThumbnail = try Thumbnailer().makeThumbnails(
            from: bytes, specs: [ThumbnailSpec(width: thumbnailSize.0 / 2, height: thumbnailSize.1 / 2, format: .png)])
        #expect(fromThumbnail.source.decodedWidth == thumbnailSize.0)
    }

    /// libheif decodes whole images; our decoder box-shrinks its planes as it interleaves them. That
    /// must be the whole decode averaged block by block (computed here the slow way): to the level at
    /// 8 bits, within one above (the whole decode is rounded to 8 bits before this mean, the shrink
    /// after). Straight alpha is not averaged before it is premultiplied, so such an image comes whole.
    @Test("HEIC and AVIF shrink on load by a box over libheif's planes, to no less than twice the output",
          arguments: ["heic", "heic-pillow", "heic-10bit", "heic-irot", "avif", "avif-10bit", "avif-pillow", "heic-alpha", "avif-alpha"])
    func heifShrinkOnLoad(name: String) throws {
        let fixture = try Self.formats.named(name)
        let bytes = try Self.formats.bytes(fixture)
        let whole = try decodeFull(bytes).buffer
        let minimum = (width: fixture.width / 3, height: fixture.height / 3)
        let shrunk = try bytes.withUnsafeBufferPointer { try ImageDecoder.decode($0, minimumSize: minimum) }
        let factor = fixture.alpha == true ? 1 : min(fixture.width / minimum.width, fixture.height / minimum.height)
        #expect(factor == 1 || factor == 3, "\(name): the fixtures are 97 x 61 or 61 x 97")
        let size = ((whole.width + factor - 1) / factor, (whole.height + factor - 1) / factor)
        #expect((shrunk.buffer.width, shrunk.buffer.height) == size, "\(name)")
        #expect(shrunk.buffer.width >= minimum.width && shrunk.buffer.height >= minimum.height)
        #expect(shrunk.loadScale == (Double(factor), Double(factor)), "\(name)")
        #expect(shrunk.buffer.hasAlpha == (fixture.alpha ?? false))
        guard (shrunk.buffer.width, shrunk.buffer.height) == size else { return }
        var worst = 0
        for y in 0..<size.1 {
            for x in 0..<size.0 {
                for channel in 0..<4 {
                    var sum = 0
                    var count = 0
                    for row in (y * factor)..<min(whole.height, (y + 1) * factor) {
                        for column in (x * factor)..<min(whole.width, (x + 1) * factor) {
                            sum += Int(whole.pixel(x: column, y: row)[channel])
                            count += 1
                        }
                    }
                    let mean = Int((Double(sum) / Double(count)).rounded())
                    worst = max(worst, abs(Int(shrunk.buffer.pixel(x: x, y: y)[channel]) - mean))
                }
            }
        }
        #expect(worst <= (name.contains("10bit") ? 1 : 0), "\(name): largest difference \(worst)")
    }

    @Test("WebP shrinks on load with libwebp's scaling, to no less than twice the output")
    func webpShrinkOnLoad() throws {
        let fixture = try Self.formats.named("webp-lossy")
        let bytes = try Self.formats.bytes(fixture)
        let result = try Thumbnailer().makeThumbnails(from: bytes, specs: [ThumbnailSpec(width: 20, height: 20, format: .png)])
        #expect(result.source.decodedWidth < fixture.width, "scaled on load")
        #expect(result.source.decodedWidth >= 2 * result.thumbnails[0].width && result.source.decodedHeight >= 2 * result.thumbnails[0].height)
        #expect(WebPDecoder.scaledSize(width: 1000, height: 500, minimum: (200, 80)) == (200, 100))
        #expect(WebPDecoder.scaledSize(width: 1000, height: 500, minimum: (600, 400)) == (800, 400))
        #expect(WebPDecoder.scaledSize(width: 1000, height: 500, minimum: (1000, 10)) == (1000, 500))
    }

    @Test("cut short, every format says truncated; damaged, corrupt; never a crash",
          arguments: ["webp-lossy", "webp-lossless", "webp-alpha", "webp-animated", "heic", "heic-10bit", "avif", "avif-alpha", "gif", "gif-interlaced"])
    func truncatedAndCorrupt(name: String) throws {
        let fixture = try Self.formats.named(name)
        let bytes = try Self.formats.bytes(fixture)
        for fraction in [0.3, 0.6, 0.9] {
            let cut = Array(bytes.prefix(Int(Double(bytes.count) * fraction)))
            let error = #expect(throws: ImagingError.self) {
                _ = try Thumbnailer().makeThumbnails(from: cut, specs: [ThumbnailSpec(width: 16, height: 16)])
            }
            #expect(error?.code == .truncated, "\(name) cut at \(fraction): \(error?.description ?? "-")")
        }
        var damaged = bytes
        for index in stride(from: bytes.count / 3, to: bytes.count, by: 7) { damaged[index] ^= 0x5A }
        do {
            _ = try Thumbnailer().makeThumbnails(from: damaged, specs: [ThumbnailSpec(width: 16, height: 16)])
        } catch let error as ImagingError {
            // A damaged lossy stream may still decode (to garbage); when it does not, the code says why.
            #expect([.corrupt, .truncated].contains(error.code), "\(name) damaged: \(error)")
        }
    }
}
