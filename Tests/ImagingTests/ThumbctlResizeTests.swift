import Foundation
import TestSupport
import Testing

@testable import Imaging

/// `thumbctl resize` run as a user runs it: the built binary, real files, its output read back.
@Suite("thumbctl resize", .offThePool)
struct ThumbctlResizeTests {
    /// The binary `swift build` put beside this test bundle.
    static let binary: URL? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("thumbctl"),
            Fixtures.root.appendingPathComponent(".build/debug/thumbctl"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try runProcess(try #require(Self.binary, "build thumbctl first (swift build)").path, arguments)
        return (result.status, result.output, result.stderr)
    }

    @Test("goes on past bad files, reports each with its code, exits non-zero", .enabled(if: binary != nil))
    func badFilesAmongGood() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try Fixtures.folder.get().appendingPathComponent(try Fixtures.named("photo-1600").file).path
        let bmp = try Fixtures.folder.get().appendingPathComponent(try Fixtures.named("format-bmp").file).path
        let text = folder.appendingPathComponent("notes.jpg").path
        try "not an image".write(toFile: text, atomically: true, encoding: .utf8)
        let truncated = folder.appendingPathComponent("cut.png").path
        try Data(try Fixtures.bytes(try Fixtures.named("photo-1600")).prefix(5000)).write(to: URL(fileURLWithPath: truncated))
        let missing = folder.appendingPathComponent("missing.jpg").path
        let out = folder.appendingPathComponent("out").path

        let result = try run(["resize", "--width", "200", "--height", "200", "--out-dir", out, "--verbose", bmp, text, good, truncated, missing])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(bmp): error: unsupported_format: unsupported format: bmp (thumbd reads JPEG, PNG, WebP, HEIC, AVIF and GIF)"))
        #expect(lines.contains { $0.hasPrefix("\(text): error: unsupported_format: ") })
        #expect(lines.contains { $0.hasPrefix("\(truncated): error: truncated: ") })
        #expect(lines.contains { $0.hasPrefix("\(missing): error: io: ") })
        #expect(result.stdout.contains("photo-1600.png: 1600x1000 png -> 200x125"))
        #expect(result.stdout.contains("decode") && result.stdout.contains("resize") && result.stdout.contains("encode"))
        let written = try decodeFull([UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/photo-1600.jpg"))))
        #expect((written.buffer.width, written.buffer.height) == (200, 125))

        let ok = try run(["resize", "--width", "64", "--format", "png", "-o", folder.appendingPathComponent("one.png").path, good])
        #expect(ok.status == 0 && ok.stderr.isEmpty)
        let nowhere = folder.appendingPathComponent("no-such-folder/one.jpg").path
        let unwritable = try run(["resize", "--width", "64", "-o", nowhere, good])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("\(good): error: io: cannot write \(nowhere): No such file or directory"))
        let flags = try run(["resize", "--out-dir", out, good])
        #expect(flags.status != 0 && flags.stderr.contains("--width"))
    }

    /// libheif and libcurl are loaded on first use (Sources/CHeif, Sources/CCurl), so a start maps
    /// neither; where libheif cannot be loaded, HEIC input is refused with the loader's words and the
    /// other files are still made. An empty file named libheif.so.1 first on the library path is such
    /// a libheif (dlopen: "file too short").
    @Test("libheif and libcurl are loaded on first use: not linked, and a HEIC without libheif is a clear error",
          .enabled(if: binary != nil))
    func librariesLoadedOnFirstUse() throws {
        let binary = try #require(Self.binary).path
        let needed = try runProcess("/usr/bin/objdump", ["-p", binary]).output
            .split(separator: "\n").filter { $0.contains("NEEDED") }.map { String($0.split(separator: " ").last ?? "") }
        #expect(needed.contains("libwebp.so.7"), "objdump -p lists what the binary links: \(needed)")
        #expect(!needed.contains("libheif.so.1") && !needed.contains("libcurl.so.4"), "\(needed)")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-heif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fakeLibrary = folder.appendingPathComponent("libheif.so.1").path
        #expect(FileManager.default.createFile(atPath: fakeLibrary, contents: Data()))
        let heic = try Fixtures.formats.path(try Fixtures.formats.named("heic"))
        let good = try Fixtures.folder.get().appendingPathComponent(try Fixtures.named("photo-1600").file).path
        var environment = ProcessInfo.processInfo.environment
        environment["LD_LIBRARY_PATH"] = folder.path
        let out = folder.appendingPathComponent("out").path
        let result = try runProcess(binary, ["resize", "--width", "100", "--out-dir", out, heic, good], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains(
            "\(heic): error: unsupported_format: HEIC and AVIF need libheif, which cannot be loaded here: \(fakeLibrary): file too short"),
            "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/photo-1600.jpg"))

        // And where it can be, the same HEIC makes its thumbnail.
        let loaded = try run(["resize", "--width", "100", "--out-dir", out, heic])
        #expect(loaded.status == 0 && loaded.stderr.isEmpty, "\(loaded.stderr)")
    }
}
