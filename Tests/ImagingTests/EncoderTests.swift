import Foundation
import TestSupport
import Testing

@testable import Imaging

/// Our WebP and AVIF thumbnails read by Pillow (libwebp and libavif/dav1d of its own wheel), and
/// their fidelity against libvips' at the same quality setting.
@Suite("Encoding WebP and AVIF, checked by Pillow and against libvips", .offThePool)
struct EncoderTests {
    /// Pillow's view of each file: format, size, mode.
    static func pillow(_ paths: [String]) throws -> [[String: String]] {
        let script = """
            import json, sys
            from PIL import Image
            def read(path):
                image = Image.open(path)
                image.load()
                return dict(format=image.format, size="%dx%d" % image.size, mode=image.mode)
            print(json.dumps([read(path) for path in sys.argv[1:]]))
            """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script] + paths)
        guard result.status == 0 else { throw Fixtures.FixtureError(description: "Pillow: \(result.stderr)") }
        return try JSONDecoder().decode([[String: String]].self, from: result.stdout)
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thumbd-encode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("WebP, lossless WebP and AVIF: Pillow reads each at the right size; alpha kept; one decode serves all formats")
    func pillowReadsThem() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        var expected: [[String: String]] = []
        for (name, alpha) in [("photo-1600", false), ("png-rgba8", true)] {
            let fixture = try Fixtures.named(name)
            let formats: [OutputFormat] = [.webp, .webpLossless, .avif]
            let specs = formats.map { ThumbnailSpec(width: 120, height: 90, mode: .fill, format: $0, quality: 80) }
            let result = try Thumbnailer().makeThumbnails(from: try Fixtures.bytes(fixture), specs: specs)
            for (index, thumbnail) in result.thumbnails.enumerated() {
                let path = folder.appendingPathComponent("\(name)-\(index).\(thumbnail.spec.format.fileExtension)").path
                try Data(thumbnail.bytes).write(to: URL(fileURLWithPath: path))
                paths.append(path)
                let size = "\(thumbnail.width)x\(thumbnail.height)"
                expected.append(["format": thumbnail.spec.format == .avif ? "AVIF" : "WEBP", "size": size, "mode": alpha ? "RGBA" : "RGB"])
            }
        }
        #expect(try Self.pillow(paths) == expected)
    }

    @Test("SSIM against a Lanczos reference is at least libvips' at the same quality, WebP and AVIF")
    func fidelityAgainstLibvips() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sources = folder.appendingPathComponent("sources")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        let fixture = try Fixtures.named("photo-1600")
        let source = sources.appendingPathComponent("photo.png").path
        try Data(try Fixtures.bytes(fixture)).write(to: URL(fileURLWithPath: source))
        for (format, vipsSuffix) in [(OutputFormat.webp, "webp[Q=80]"), (.avif, "avif[Q=50,compression=av1]")] {
            var scores: [String: Double] = [:]
            for tool in ["thumbd", "vips"] {
                let out = folder.appendingPathComponent("\(format.rawValue)-\(tool)")
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                let quality = format == .avif ? 50 : 80
                if tool == "thumbd" {
                    let result = try Thumbnailer().makeThumbnails(
                        from: try Fixtures.bytes(fixture), specs: [ThumbnailSpec(width: 300, height: 300, format: format, quality: quality)])
                    try Data(result.thumbnails[0].bytes).write(to: out.appendingPathComponent("photo.\(format.fileExtension)"))
                } else {
                    let vips = try runProcess("/usr/bin/env", ["vipsthumbnail", source, "--size", "300x300", "-o", out.path + "/%s." + vipsSuffix])
                    try #require(vips.status == 0, "vipsthumbnail (Debian libvips-tools): \(vips.stderr)")
                }
                let ssim = try runProcess("/usr/bin/env", ["python3", Fixtures.root.appendingPathComponent("scripts/lib/ssim.py").path, sources.path, out.path])
                try #require(ssim.status == 0, "\(ssim.stderr)")
                let parsed = try JSONSerialization.jsonObject(with: ssim.stdout) as? [String: [Any]]
                scores[tool] = try #require(parsed?[out.path]?.first as? Double)
            }
            #expect(scores["thumbd"]! >= scores["vips"]!, "\(format): \(scores)")
        }
    }

    @Test("AVIF quality and speed are checked; an 8x8 image encodes to an ftyp-led file")
    func avifSettings() throws {
        let image = PixelBuffer(width: 8, height: 8, channels: 4, pixels: [UInt8](repeating: 128, count: 256))
        #expect(throws: ImagingError.self) { try AVIFEncoder.encode(image, quality: 0) }
        #expect(throws: ImagingError.self) { try AVIFEncoder.encode(image, quality: 50, speed: 10) }
        let fast = try AVIFEncoder.encode(image, quality: 50, speed: 9)
        #expect(fast.count > 0 && Array(fast[4..<8]) == Array("ftyp".utf8))
    }
}
