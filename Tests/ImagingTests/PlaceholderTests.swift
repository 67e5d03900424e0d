import Foundation
import TestSupport
import Testing

@testable import Imaging

/// Our ThumbHash encoder against an independent decoder, written in Python from the published
/// algorithm (Tests/peers/thumbhash_decode.py): the placeholder it decodes looks like the image, and
/// the average colour we report is the one the hash carries.
@Suite("ThumbHash placeholders, against an independent decoder", .offThePool)
struct PlaceholderTests {
    struct Decoded: Decodable {
        let mean_abs_error: Double
        let alpha_mean_abs_error: Double
        let aspect_ratio: Double
        let image_aspect_ratio: Double
        let average_hex: String
        let has_alpha: Bool
    }

    static func compare(_ hash: String, with path: String) throws -> Decoded {
        let result = try runProcess(
            "/usr/bin/env", ["python3", ProjectPaths.peers.appendingPathComponent("thumbhash_decode.py").path, "--compare", hash, path])
        guard result.status == 0 else { throw Fixtures.FixtureError(description: "thumbhash_decode.py: \(result.stderr)") }
        return try JSONDecoder().decode(Decoded.self, from: result.stdout)
    }

    /// An opaque photo, one with alpha, an EXIF-rotated JPEG (the hash is of the upright image), and
    /// thumbnails made only with `force` (stretched): the hash is of the whole image, undistorted, so
    /// its aspect stays the image's; or only with `fill` into a portrait box (cropped): the hash is of
    /// the crop, what a page shows in the thumbnail's place, so it is compared with the thumbnail.
    @Test("the decoded placeholder looks like the image (the crop under fill); aspect, alpha and average colour agree",
          arguments: [("photo-1600", ResizeMode.fit), ("png-rgba8", .fill), ("orientation-6-ii", .fit), ("photo-1600", .force),
                      ("photo-1600", .fill)])
    func matchesImage(name: String, mode: ResizeMode) throws {
        let fixture = try Fixtures.named(name)
        let result = try Thumbnailer().makeThumbnails(
            from: try Fixtures.bytes(fixture), specs: [ThumbnailSpec(width: 40, height: 64, mode: mode, format: .png)])
        let placeholder = result.placeholder
        #expect(placeholder.thumbHash.count >= 5 && placeholder.thumbHash.count <= 25)
        var shown = try Fixtures.folder.get().appendingPathComponent(fixture.file).path
        if mode == .fill {
            let thumbnail = FileManager.default.temporaryDirectory.appendingPathComponent("placeholder-\(UUID().uuidString).png")
            try Data(result.thumbnails[0].bytes).write(to: thumbnail)
            shown = thumbnail.path
        }
        defer { if mode == .fill { try? FileManager.default.removeItem(atPath: shown) } }
        let decoded = try Self.compare(placeholder.thumbHashBase64, with: shown)
        #expect(decoded.average_hex == placeholder.averageColor, "\(name)")
        #expect(decoded.has_alpha == (name == "png-rgba8"), "\(name)")
        #expect(abs(decoded.aspect_ratio - decoded.image_aspect_ratio) / decoded.image_aspect_ratio < 0.25, "\(name): \(decoded)")
        // A blurred preview of a few DCT terms: near the image on average, far from exact. With alpha,
        // the colour under transparent pixels is anyone's, so alpha is what is compared.
        if decoded.has_alpha {
            #expect(decoded.alpha_mean_abs_error < 24, "\(name): \(decoded)")
        } else {
            #expect(decoded.mean_abs_error < 24, "\(name): \(decoded)")
        }
        #expect(placeholder.averageColor.wholeMatch(of: /#[0-9a-f]{6}/) != nil)
    }

    @Test("a flat colour's hash carries that colour")
    func flatColor() throws {
        let pixels = [UInt8](repeating: 0, count: 30 * 20 * 4).enumerated().map { index, _ in [UInt8]([200, 120, 40, 255])[index % 4] }
        let hash = ThumbHash.encode(width: 30, height: 20, rgba: pixels)
        let color = ThumbHash.averageColor(hash)
        #expect(abs(color.r * 255 - 200) < 5 && abs(color.g * 255 - 120) < 5 && abs(color.b * 255 - 40) < 5, "\(color)")
        #expect(Placeholder(thumbHash: hash).thumbHashBase64 == Data(hash).base64EncodedString())
    }
}
