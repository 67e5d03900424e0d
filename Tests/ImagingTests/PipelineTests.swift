import Foundation
import Testing

@testable import Imaging

/// What users notice: orientation, colour, alpha, geometry, and what the encoder writes.
@Suite("Thumbnails", .offThePool)
struct PipelineTests {
    /// Full-size, lossless output, so the only differences left are the decoders'.
    func losslessFullSize(_ bytes: [UInt8]) throws -> PixelBuffer {
        let header = try bytes.withUnsafeBufferPointer { try ImageDecoder.probe($0) }
        let upright = header.orientation.swapsDimensions ? (header.height, header.width) : (header.width, header.height)
        let result = try Thumbnailer().makeThumbnails(
            from: bytes, specs: [ThumbnailSpec(width: upright.0, height: upright.1, format: .png)])
        return try decodeFull(result.thumbnails[0].bytes).buffer
    }

    @Test("all 8 EXIF orientations, both byte orders, and a PNG's eXIf, come out upright",
          arguments: Fixtures.names(prefix: "orientation-") + Fixtures.names(prefix: "png-exif-"))
    func orientation(name: String) throws {
        let fixture = try Fixtures.named(name)
        let bytes = try Fixtures.bytes(fixture)
        let header = try bytes.withUnsafeBufferPointer { try ImageDecoder.probe($0) }
        #expect(header.orientation.rawValue == fixture.orientation)
        let upright = try losslessFullSize(bytes)
        #expect((upright.width, upright.height) == (fixture.width, fixture.height))
        let difference = PixelDifference(upright.pixels, try Fixtures.reference(fixture))
        #expect(difference.maximum <= 3, "\(name): max \(difference.maximum)")
    }

    @Test("every orientation fixture is there: 8 orientations x 2 byte orders, 2 PNG eXIf variants")
    func orientationFixtures() {
        #expect(Fixtures.names(prefix: "orientation-").count == 16)
        #expect(Fixtures.names(prefix: "png-exif-").count == 2)
    }

    @Test("the output JPEG carries no EXIF, no orientation tag and no ICC profile")
    func noMetadata() throws {
        let bytes = try Fixtures.bytes(try Fixtures.named("orientation-6-mm"))
        let jpeg = try Thumbnailer().makeThumbnails(from: bytes, specs: [ThumbnailSpec(width: 20, height: nil)]).thumbnails[0].bytes
        let markers = jpeg.withUnsafeBufferPointer { JPEGMarkers($0) }
        #expect(markers.orientation == .up)
        #expect(markers.iccProfile == nil)
        #expect(!jpeg.containsSequence(Array("Exif".utf8)))
        #expect(!jpeg.containsSequence(Array("http://ns.adobe.com/xap".utf8)))
    }

    @Test("embedded Adobe RGB, Display P3 and CMYK profiles are converted to sRGB",
          arguments: ["adobe-rgb-png", "adobe-rgb-jpeg", "display-p3-png", "display-p3-jpeg", "cmyk-profile"])
    func colourProfile(name: String) throws {
        let fixture = try Fixtures.named(name)
        let bytes = try Fixtures.bytes(fixture)
        let decoded = try decodeFull(bytes)
        // CMYK goes through its profile while decoding; RGB profiles are applied after the resize.
        #expect(decoded.iccProfile != nil || name.hasPrefix("cmyk"))
        let converted = try losslessFullSize(bytes)
        let difference = PixelDifference(converted.pixels, try Fixtures.reference(fixture))
        #expect(difference.maximum <= 4, "\(name): max \(difference.maximum)")
        #expect(difference.mean < 1.0, "\(name): mean \(difference.mean)")
        // And it really changed something: the values read as sRGB, or CMYK converted naively, look different.
        if name.hasPrefix("cmyk") {
            var naive = try decodeFull(try Fixtures.bytes(try Fixtures.named("jpeg-cmyk"))).buffer.pixels
            naive = Array(naive.prefix(converted.pixels.count))
            #expect(PixelDifference(naive, try Fixtures.reference(fixture)).mean > 3 * max(difference.mean, 0.5))
        } else {
            let unconverted = PixelDifference(decoded.buffer.pixels, try Fixtures.reference(fixture))
            #expect(unconverted.mean > 3 * max(difference.mean, 0.5))
        }
    }

    @Test("transparent edges: no fringe from the colour under zero alpha, flattened on the background")
    func alphaEdges() throws {
        let bytes = try Fixtures.bytes(try Fixtures.named("alpha-edge"))  // opaque red | transparent green
        for (width, background) in [(24, (255, 255, 255)), (17, (0, 0, 0))] as [(Int, (UInt8, UInt8, UInt8))] {
            let thumbnailer = Thumbnailer(background: background)
            let png = try thumbnailer.makeThumbnails(from: bytes, specs: [ThumbnailSpec(width: width, height: nil, format: .png)])
            let rgba = try decodeFull(png.thumbnails[0].bytes).buffer
            #expect(rgba.hasAlpha)
            for y in 0..<rgba.height {
                for x in 0..<rgba.width {
                    let pixel = rgba.pixel(x: x, y: y)
                    if pixel[3] > 8 { #expect(pixel[1] <= 6, "green bled into \(x),\(y): \(pixel)") }
                }
            }
            let jpeg = try thumbnailer.makeThumbnails(from: bytes, specs: [ThumbnailSpec(width: width, height: nil, quality: 95)])
            let flat = try decodeFull(jpeg.thumbnails[0].bytes).buffer
            let right = flat.pixel(x: flat.width - 1, y: flat.height / 2)
            let left = flat.pixel(x: 0, y: flat.height / 2)
            #expect(abs(Int(right[0]) - Int(background.0)) <= 4 && abs(Int(right[1]) - Int(background.1)) <= 4)
            #expect(left[0] >= 240 && left[1] <= 20 && left[2] <= 20)
            for x in 0..<flat.width {
                let pixel = flat.pixel(x: x, y: flat.height / 2)
                // Red mixed with the background only: green and blue move together.
                #expect(abs(Int(pixel[1]) - Int(pixel[2])) <= 6, "fringe at \(x): \(pixel)")
            }
        }
    }

    @Test("fit, fill and force, with either side omitted")
    func geometry() throws {
        func size(_ w: Int?, _ h: Int?, _ mode: ResizeMode, enlarge: Bool = false) throws -> (Int, Int, Int, Int) {
            let g = try ThumbnailGeometry.compute(source: (1000, 500), width: w, height: h, mode: mode, enlarge: enlarge)
            return (g.width, g.height, g.cropX, g.cropY)
        }
        #expect(try size(400, 400, .fit) == (400, 200, 0, 0))
        #expect(try size(400, nil, .fit) == (400, 200, 0, 0))
        #expect(try size(nil, 100, .fit) == (200, 100, 0, 0))
        #expect(try size(2000, 2000, .fit) == (1000, 500, 0, 0), "never enlarged unless asked")
        #expect(try size(2000, 2000, .fit, enlarge: true) == (2000, 1000, 0, 0))
        #expect(try size(400, 400, .fill) == (400, 400, 200, 0))
        #expect(try size(300, 100, .fill) == (300, 100, 0, 25))
        #expect(try size(400, 400, .force) == (400, 400, 0, 0))
        #expect(try size(3, 3, .fit) == (3, 2, 0, 0))
        #expect(try size(1, 1, .fit) == (1, 1, 0, 0), "never 0")
        #expect(throws: ImagingError.self) { try size(nil, nil, .fit) }

        let bytes = try Fixtures.bytes(try Fixtures.named("photo-1600"))
        let result = try Thumbnailer().makeThumbnails(from: bytes, specs: [
            ThumbnailSpec(width: 400, height: 400, mode: .fill), ThumbnailSpec(width: 300, height: 100, mode: .force),
            ThumbnailSpec(width: 150, height: nil),
        ])
        #expect(result.thumbnails.map { [$0.width, $0.height] } == [[400, 400], [300, 100], [150, 94]])
    }

    @Test("JPEG output: 4:2:0 below quality 90, 4:4:4 from 90, progressive when asked, PNG keeps alpha")
    func encoding() throws {
        let bytes = try Fixtures.bytes(try Fixtures.named("photo-1600"))
        func sampling(_ jpeg: [UInt8]) -> (UInt8, Bool) {
            let sof = (0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }!
            return (jpeg[sof + 11], jpeg[sof + 1] == 0xC2)  // the first component's sampling factors
        }
        let specs = [
            ThumbnailSpec(width: 200, height: nil, quality: 85), ThumbnailSpec(width: 200, height: nil, quality: 90),
            ThumbnailSpec(width: 200, height: nil, quality: 85, progressive: true),
        ]
        let result = try Thumbnailer().makeThumbnails(from: bytes, specs: specs)
        #expect(sampling(result.thumbnails[0].bytes) == (0x22, false))
        #expect(sampling(result.thumbnails[1].bytes) == (0x11, false))
        #expect(sampling(result.thumbnails[2].bytes) == (0x22, true))
        let rgba = try Fixtures.bytes(try Fixtures.named("png-rgba8"))
        let png = try Thumbnailer().makeThumbnails(from: rgba, specs: [ThumbnailSpec(width: 50, height: nil, format: .png)])
        #expect(Array(png.thumbnails[0].bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(try decodeFull(png.thumbnails[0].bytes).buffer.hasAlpha)
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
