import Foundation
import Testing

@testable import Imaging

/// Our decoders against Pillow's decode of files Pillow and ImageMagick wrote.
@Suite("Decoding, against Pillow", .offThePool)
struct DecoderTests {
    /// Both decoders are libjpeg-turbo underneath, but of different versions and upsampling paths.
    @Test("JPEG: 4:2:0, 4:2:2, 4:4:4, progressive, grayscale, CMYK and Adobe YCCK",
          arguments: ["jpeg-420", "jpeg-422", "jpeg-444", "jpeg-progressive", "jpeg-gray", "jpeg-cmyk", "jpeg-ycck-adobe"])
    func jpeg(name: String) throws {
        let fixture = try Fixtures.named(name)
        let decoded = try decodeFull(try Fixtures.bytes(fixture))
        #expect(decoded.format == .jpeg)
        #expect(decoded.buffer.width == fixture.width && decoded.buffer.height == fixture.height)
        #expect(decoded.buffer.channels == fixture.channels)
        let difference = PixelDifference(decoded.buffer.pixels, try Fixtures.reference(fixture))
        #expect(difference.maximum <= 3, "\(name): max \(difference.maximum)")
        #expect(difference.mean < 0.5, "\(name): mean \(difference.mean)")
    }

    @Test("PNG: 1, 2, 4, 8, 16 bits; gray, gray+alpha, RGB, RGBA, palette with tRNS, Adam7",
          arguments: ["png-gray1", "png-palette2", "png-palette4", "png-gray8", "png-gray16", "png-rgb8", "png-rgb16",
                      "png-rgba8", "png-rgba16", "png-gray-alpha8", "png-palette-trns", "png-adam7"])
    func png(name: String) throws {
        let fixture = try Fixtures.named(name)
        let decoded = try decodeFull(try Fixtures.bytes(fixture))
        #expect(decoded.format == .png)
        #expect(decoded.buffer.width == fixture.width && decoded.buffer.height == fixture.height)
        #expect(decoded.buffer.channels == fixture.channels, "\(name)")
        // Lossless: exact, but for 16-bit files, where rounding to 8 bits may differ by one (they are
        // read as premultiplied linear light, so only what is seen is compared: colour times alpha).
        let difference = name.hasSuffix("16")
            ? PixelDifference(visible(decoded.buffer.pixels, channels: fixture.channels),
                              visible(try Fixtures.reference(fixture), channels: fixture.channels))
            : PixelDifference(decoded.buffer.pixels, try Fixtures.reference(fixture))
        #expect(difference.maximum <= (name.hasSuffix("16") ? 1 : 0), "\(name): max \(difference.maximum)")
        let transparent = ["png-rgba8", "png-rgba16", "png-gray-alpha8", "png-palette-trns"].contains(name)
        #expect(decoded.buffer.hasAlpha == transparent)
    }

    @Test("the format comes from the bytes: GIF, BMP, WebP and TIFF are refused by name")
    func otherFormats() throws {
        for fixture in try Fixtures.all() where fixture.name.hasPrefix("format-") {
            let error = #expect(throws: ImagingError.self) { try decodeFull(try Fixtures.bytes(fixture)) }
            #expect(error?.code == .unsupportedFormat)
            let format = String(fixture.name.dropFirst("format-".count))
            #expect(error?.message.contains("unsupported format: \(format)") == true, "\(error?.message ?? "")")
        }
        #expect(ImageFormat.detect(Array("ftypheic".utf8).withPrefix([0, 0, 0, 24])) == .heic)
        #expect(ImageFormat.detect(Array("hello, world".utf8)) == nil)
    }
}

extension Array where Element == UInt8 {
    func withPrefix(_ prefix: [UInt8]) -> [UInt8] { prefix + self }
}
