import Foundation
import Imaging
import TestSupport

/// One fixture of a manifest: made by an independent encoder (never ours), with an independent
/// decoder's pixels as the reference (raw 8-bit, row-major; RGBA or gray).
struct Fixture: Decodable, Sendable {
    let name: String
    let file: String
    let reference: String?
    let width: Int
    let height: Int
    let channels: Int
    let orientation: Int?
    /// format_fixtures.py's extras.
    let alpha: Bool?
    let animated: Bool?
    let stored_width: Int?
    let stored_height: Int?
    let thumbnail_width: Int?
    let thumbnail_height: Int?
    /// scan_fixtures.py's: whether a 1/8 decode has AC scans it never reads.
    let skips_scans: Bool?
    /// sequential_fixtures.py's: djpeg's decode at each scale ("1", "2", "4", "8"), and whether the
    /// fast Huffman decoder takes the file to its end (nil: either).
    let references: [String: String]?
    let fast_entropy: Bool?
}

/// One generator's fixtures: the script runs once per test run, into a fresh temporary folder, and
/// writes the files and `manifest.json`.
struct FixtureSet: Sendable {
    let script: String
    let folder: Result<URL, Fixtures.FixtureError>

    init(script: String) {
        self.script = script
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thumbd-fixtures-\(UUID().uuidString)")
        do {
            let result = try runProcess("/usr/bin/env", ["python3", ProjectPaths.peers.appendingPathComponent(script).path, folder.path])
            self.folder = result.status == 0
                ? .success(folder) : .failure(Fixtures.FixtureError(description: "\(script) failed: \(result.stderr)"))
        } catch {
            self.folder = .failure(Fixtures.FixtureError(description: "cannot run python3: \(error)"))
        }
    }

    func all() throws -> [Fixture] {
        let folder = try folder.get()
        return try JSONDecoder().decode([Fixture].self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    }

    func named(_ name: String) throws -> Fixture {
        guard let fixture = try all().first(where: { $0.name == name }) else {
            throw Fixtures.FixtureError(description: "no fixture \(name) from \(script)")
        }
        return fixture
    }

    /// The fixture names with `prefix`, for parameterised tests. Never empty: when the fixtures cannot
    /// be made, or none has the prefix, the one name says so, and the test fails looking it up (an
    /// empty argument list would skip the test, not fail it).
    func names(prefix: String) -> [String] {
        let names = ((try? all()) ?? []).map(\.name).filter { $0.hasPrefix(prefix) }
        return names.isEmpty ? ["<no fixture named \(prefix)*: \(folder)>"] : names
    }

    func path(_ fixture: Fixture) throws -> String { try folder.get().appendingPathComponent(fixture.file).path }

    func bytes(_ fixture: Fixture) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.get().appendingPathComponent(fixture.file)))
    }

    func reference(_ fixture: Fixture) throws -> [UInt8] {
        guard let reference = fixture.reference else { throw Fixtures.FixtureError(description: "\(fixture.name) has no reference") }
        return [UInt8](try Data(contentsOf: folder.get().appendingPathComponent(reference)))
    }

    /// sequential_fixtures.py's reference at 1/`scale`, or nil when the fixture has none.
    func reference(_ fixture: Fixture, scale: Int) throws -> [UInt8]? {
        guard let reference = fixture.references?[String(scale)] else { return nil }
        return [UInt8](try Data(contentsOf: folder.get().appendingPathComponent(reference)))
    }
}

/// The JPEG and PNG fixtures (imaging_fixtures.py: Pillow, ImageMagick, pypng), and those of the other
/// formats (format_fixtures.py: cwebp, heif-enc, avifenc, Pillow, pillow-heif), and progressive JPEGs
/// of every scan layout (scan_fixtures.py: cjpeg, jpegtran, mozjpeg, Pillow), and sequential JPEGs of
/// every kind, whole and damaged (sequential_fixtures.py: cjpeg, Pillow), each with an independent
/// decoder's pixels as its reference.
enum Fixtures {
    static let root = ProjectPaths.root
    static let imaging = FixtureSet(script: "imaging_fixtures.py")
    static let formats = FixtureSet(script: "format_fixtures.py")
    static let scans = FixtureSet(script: "scan_fixtures.py")
    static let sequential = FixtureSet(script: "sequential_fixtures.py")

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }

    static var folder: Result<URL, FixtureError> { imaging.folder }
    static func all() throws -> [Fixture] { try imaging.all() }
    static func named(_ name: String) throws -> Fixture { try imaging.named(name) }
    static func names(prefix: String) -> [String] { imaging.names(prefix: prefix) }
    static func bytes(_ fixture: Fixture) throws -> [UInt8] { try imaging.bytes(fixture) }
    static func reference(_ fixture: Fixture) throws -> [UInt8] { try imaging.reference(fixture) }
}

/// How far two images are apart, per channel value.
struct PixelDifference: CustomStringConvertible {
    var maximum = 0
    var mean = 0.0

    init(_ a: [UInt8], _ b: [UInt8]) {
        precondition(a.count == b.count, "sizes differ: \(a.count) and \(b.count)")
        var total = 0
        for index in a.indices {
            let difference = abs(Int(a[index]) - Int(b[index]))
            total += difference
            maximum = max(maximum, difference)
        }
        mean = a.isEmpty ? 0 : Double(total) / Double(a.count)
    }

    var description: String { "max \(maximum), mean \(mean)" }
}

func decodeFull(_ bytes: [UInt8]) throws -> DecodedImage {
    try bytes.withUnsafeBufferPointer { try ImageDecoder.decode($0) }
}

/// What is seen of each pixel: its colour multiplied by its alpha (rounded), alpha kept; gray passes
/// through. A fully transparent pixel has no colour to compare, and a nearly transparent one little.
func visible(_ pixels: [UInt8], channels: Int) -> [UInt8] {
    guard channels == 4 else { return pixels }
    var out = pixels
    for index in stride(from: 0, to: pixels.count, by: 4) {
        let alpha = Int(pixels[index + 3])
        for channel in 0..<3 { out[index + channel] = UInt8((Int(pixels[index + channel]) * alpha + 127) / 255) }
    }
    return out
}
