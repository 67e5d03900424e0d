import Foundation
import Testing

@testable import Imaging

/// WebP, HEIC, AVIF and GIF: files made by independent encoders (cwebp, heif-enc, avifenc, Pillow,
/// pillow-heif, ImageMagick) decoded by us, against an independent decoder's pixels (dwebp,
/// heif-convert, Pillow, pillow-heif).
@Suite("Decoding WebP, HEIC, AVIF and GIF, against independent decoders")
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

    @Test("a HEIC's embedded thumbnail is decoded when it is at least twice the output, else the image")
    func heifThumbnail() throws {
        let fixture = try Self.formats.named("heic-thumbnail")
        let thumbnailSize = try #require(fixture.thumbnail_width.flatMap { w in fixture.thumbnail_height.map { (w, $0) } })
        let bytes = try Self.formats.bytes(fixture)
        let small = try bytes.withUnsafeBufferPointer { try ImageDecoder.decode($0, minimumSize: (thumbnailSize.0 / 2, thumbnailSize.1 / 2)) }
        #expect((small.buffer.width, small.buffer.height) == thumbnailSize, "the thumbnail was used")
        let large = try bytes.withUnsafeBufferPointer { try ImageDecoder.decode($0, minimumSize: (thumbnailSize.0 + 1, thumbnailSize.1 + 1)) }
        #expect((large.buffer.width, large.buffer.height) == (fixture.width, fixture.height), "the image itself")
        // The thumbnail's pixels are the same picture: a small output from either is close.
        let fromThumbnail = try Thumbnailer().makeThumbnails(
            from: bytes, specs: [ThumbnailSpec(width: thumbnailSize.0 / 2, height: thumbnailSize.1 / 2, format: .png)])
        #expect(fromThumbnail.source.decodedWidth == thumbnailSize.0)
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
          arguments: ["webp-lossy", "webp-alpha", "heic", "avif", "gif", "gif-interlaced"])
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
