import Foundation
import Testing

@testable import Imaging

/// Issue 19's second half: when every output is a `fill` crop, a JPEG is decoded only where the crops
/// read it (`jpeg_crop_scanline`, `jpeg_skip_scanlines`, nothing below), and the thumbnails are the
/// same, pixel for pixel, as from a whole decode; and a crop resampled alone is the whole resize,
/// cropped.
@Suite("fill crops decode only what they read", .offThePool)
struct CropDecodeTests {
    /// Crops of every kind: a square from a landscape (cut left and right), a tall box (cut hard left
    /// and right), a wide box (cut top and bottom), one small enough for 1/8, and two crops at once.
    static let specSets: [[ThumbnailSpec]] = [
        [ThumbnailSpec(width: 100, height: 100, mode: .fill, format: .png)],
        [ThumbnailSpec(width: 60, height: 200, mode: .fill, format: .png)],
        [ThumbnailSpec(width: 300, height: 50, mode: .fill, format: .png)],
        [ThumbnailSpec(width: 40, height: 40, mode: .fill, format: .png)],
        [ThumbnailSpec(width: 100, height: 100, mode: .fill, format: .png), ThumbnailSpec(width: 300, height: 50, mode: .fill, format: .png)],
    ]

    /// Baseline and progressive; 4:2:0, 4:2:2, 4:4:4, 4:4:0, 4:1:1; grey; CMYK; restart markers;
    /// mozjpeg's scans; each upright and under EXIF orientations 6 (a quarter turn) and 7 (a turn and
    /// a mirror), which move the crop to other sides of the stored image.
    @Test("the same thumbnails as from a whole decode, from less of the image",
          arguments: ["scan-baseline-420", "scan-default-420", "scan-default-422", "scan-default-444", "scan-default-440",
                      "scan-default-411", "scan-gray", "scan-cmyk", "scan-restart", "scan-mozjpeg"])
    func sameThumbnails(name: String) throws {
        let original = try Fixtures.scans.bytes(try Fixtures.scans.named(name))
        #expect(OffThePoolExecutor.isCurrent, "the suite's trait runs it off the cooperative pool")
        let runs = try Self.decodeBothWays(name: name, original: original)
        #expect(runs.count == 15)
        for run in runs {
            // The part really is a part (one crop's; two crops, one cut across and one down, may
            // read all of it together), and the whole decode really whole.
            let decoded = PixelRect(width: run.whole.source.decodedWidth, height: run.whole.source.decodedHeight)
            #expect(run.whole.source.decodedRegion == decoded, "\(run.label)")
            if run.crops == 1 {
                #expect(run.part.source.decodedRegion.width * run.part.source.decodedRegion.height < decoded.width * decoded.height,
                        "\(run.label): \(run.part.source.decodedRegion) of \(decoded)")
            }
            #expect(run.part.thumbnails.map(\.bytes) == run.whole.thumbnails.map(\.bytes), "\(run.label)")
            #expect(run.part.placeholder.thumbHash == run.whole.placeholder.thumbHash, "\(run.label)")
        }
    }

    struct Run: Sendable {
        let label: String
        let crops: Int
        let part: Thumbnailer.Result
        let whole: Thumbnailer.Result
    }

    /// Every orientation and spec set of the fixture, decoded in part and whole.
    static func decodeBothWays(name: String, original: [UInt8]) throws -> [Run] {
        var runs: [Run] = []
        for orientation in [1, 6, 7] {
            let bytes = orientation == 1 ? original : withOrientation(original, orientation)
            for specs in specSets {
                let (part, whole) = try bytes.withUnsafeBufferPointer { data in
                    let thumbnailer = Thumbnailer()
                    let plan = try thumbnailer.plan(data, specs: specs)
                    return (
                        try thumbnailer.makeThumbnails(from: data, plan: plan, decodeOnlyWhatIsRead: true),
                        try thumbnailer.makeThumbnails(from: data, plan: plan, decodeOnlyWhatIsRead: false)
                    )
                }
                let label = "\(name), orientation \(orientation), \(specs.map { "\($0.width!)x\($0.height!)" })"
                runs.append(Run(label: label, crops: specs.count, part: part, whole: whole))
            }
        }
        return runs
    }

    /// A crop resampled alone against the whole image resampled and then cropped: every geometry of a
    /// few sizes, every orientation, box factors above 1, a fractional extent (a partial last block).
    @Test("a crop resampled alone is the whole resize, cropped")
    func cropEqualsWholeResizeCropped() throws {
        var generator = SystemRandomNumberGenerator()
        let width = 613
        let height = 411
        let pixels = (0..<(width * height * 4)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let buffer = PixelBuffer(width: width, height: height, channels: 4, pixels: pixels)
        for orientation in Orientation.allCases {
            let decoded = DecodedImage(
                buffer: buffer, sourceWidth: width * 2 - 1, sourceHeight: height * 2 - 1, orientation: orientation,
                iccProfile: nil, format: .jpeg, shrinkOnLoad: 2)
            let upright = orientation.swapsDimensions ? (height * 2 - 1, width * 2 - 1) : (width * 2 - 1, height * 2 - 1)
            for (boxWidth, boxHeight) in [(100, 100), (40, 150), (250, 30), (150, 149)] {
                let geometry = try ThumbnailGeometry.compute(source: upright, width: boxWidth, height: boxHeight, mode: .fill)
                let step = ResampleStep(
                    decodedWidth: width, decodedHeight: height, sourceWidth: width * 2 - 1, sourceHeight: height * 2 - 1,
                    loadScale: (2, 2), geometry: geometry, orientation: orientation)
                let crop = Orient.apply(orientation, to: step.resample(decoded))
                // The whole resize as the pipeline made it before crops were resampled alone.
                let boxed = BoxShrink.shrink(buffer, factorX: step.factorX, factorY: step.factorY)
                let target = orientation.swapsDimensions
                    ? (geometry.resizeHeight, geometry.resizeWidth) : (geometry.resizeWidth, geometry.resizeHeight)
                let extent = (
                    width: Double(width * 2 - 1) / (2 * Double(step.factorX)), height: Double(height * 2 - 1) / (2 * Double(step.factorY)))
                let whole = Orient.apply(orientation, to: LanczosResampler.resize(boxed, width: target.0, height: target.1, extent: extent))
                let expected = Crop.crop(whole, x: geometry.cropX, y: geometry.cropY, width: geometry.width, height: geometry.height)
                #expect(crop.width == expected.width && crop.height == expected.height)
                #expect(crop.pixels == expected.pixels, "\(orientation), \(boxWidth)x\(boxHeight)")
                // And from only the part of the image the crop reads.
                let rect = step.decodedRect
                var part = decoded
                part.buffer = Crop.crop(buffer, x: rect.x, y: rect.y, width: rect.width, height: rect.height)
                part.region = rect
                #expect(Orient.apply(orientation, to: step.resample(part)).pixels == expected.pixels, "\(orientation), part \(rect)")
            }
        }
    }

    /// `bytes` with an APP1 Exif segment after SOI saying `orientation` (a little-endian TIFF with one
    /// IFD entry, tag 0x0112).
    static func withOrientation(_ bytes: [UInt8], _ orientation: Int) -> [UInt8] {
        let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
                             UInt8(orientation), 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + bytes[2...]
    }
}
