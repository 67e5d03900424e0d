import Foundation
import Imaging
import TestSupport

/// The fixtures Tests/peers/imaging_fixtures.py makes with Pillow and ImageMagick (never with our
/// encoder), with Pillow's decode of each as the reference.
struct Fixture: Decodable, Sendable {
    let name: String
    let file: String
    let reference: String?
    let width: Int
    let height: Int
    let channels: Int
    let orientation: Int?
}

enum Fixtures {
    static let root = ProjectPaths.root

    /// Made once per test run, in a fresh temporary folder.
    static let folder: Result<URL, FixtureError> = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("thumbd-fixtures-\(UUID().uuidString)")
        let result: ProcessResult
        do {
            result = try runProcess("/usr/bin/env", ["python3", ProjectPaths.peers.appendingPathComponent("imaging_fixtures.py").path, folder.path])
        } catch {
            return .failure(FixtureError(description: "cannot run python3: \(error)"))
        }
        guard result.status == 0 else {
            return .failure(FixtureError(description: "imaging_fixtures.py failed: \(result.stderr)"))
        }
        return .success(folder)
    }()

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }

    static func all() throws -> [Fixture] {
        let folder = try folder.get()
        return try JSONDecoder().decode([Fixture].self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    }

    static func named(_ name: String) throws -> Fixture {
        guard let fixture = try all().first(where: { $0.name == name }) else {
            throw FixtureError(description: "no fixture \(name)")
        }
        return fixture
    }

    /// The fixture names with `prefix`, for parameterised tests. Never empty: when the fixtures cannot
    /// be made, or none has the prefix, the one name says so, and the test fails looking it up (an
    /// empty argument list would skip the test, not fail it).
    static func names(prefix: String) -> [String] {
        let names = ((try? all()) ?? []).map(\.name).filter { $0.hasPrefix(prefix) }
        return names.isEmpty ? ["<no fixture named \(prefix)*: \(folder)>"] : names
    }

    static func bytes(_ fixture: Fixture) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.get().appendingPathComponent(fixture.file)))
    }

    static func reference(_ fixture: Fixture) throws -> [UInt8] {
        guard let reference = fixture.reference else { throw FixtureError(description: "\(fixture.name) has no reference") }
        return [UInt8](try Data(contentsOf: folder.get().appendingPathComponent(reference)))
    }
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
