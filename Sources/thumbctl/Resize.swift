import ArgumentParser
import Foundation
import Imaging
import ThumbService

/// `thumbctl resize`: the imaging module on local files, one process for many files.
struct Resize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make thumbnails of local JPEG, PNG, WebP, HEIC, AVIF and GIF files.",
        discussion: """
            Writes DIR/<input stem>.jpg (.png, .webp or .avif) for each input with --out-dir, or FILE with -o (one input).
            Goes on past files it cannot read and reports each as `INPUT: error: <code>: <message>` on stderr;
            exits 0 only if every file succeeded.
            """)

    @Option(help: "Box width in pixels.") var width: Int?
    @Option(help: "Box height in pixels.") var height: Int?
    @Option(help: "fit (inside the box, default), fill (cover and crop) or force (exactly the box).")
    var mode: ResizeMode = .fit
    @Option(help: "Quality, 1 to 100 (JPEG, WebP and AVIF).") var quality = 85
    @Option(help: "jpeg, png, webp, webp-lossless or avif.") var format: OutputFormat = .jpeg
    @Option(help: "AVIF encoder speed, 0 (slowest, smallest) to 9.") var avifSpeed = AVIFEncoder.defaultSpeed
    @Flag(help: "Write progressive JPEGs.") var progressive = false
    @Flag(help: "Allow thumbnails larger than the source.") var enlarge = false
    @Option(help: "Background for transparent pixels in JPEGs, as RRGGBB hex.") var background = "ffffff"
    @Option(name: [.customShort("o"), .customLong("output")], help: "Output file (one input only).") var output: String?
    @Option(help: "Output directory.") var outDir: String?
    @Option(help: "Largest input file, in MiB.") var maxInputMib = 64
    @Option(help: "Largest image, in megapixels.") var maxMegapixels = 100
    @Option(help: "Largest output side, in pixels.") var maxOutputSide = 8192
    @Flag(help: "Print per-file timings (decode, resize, encode), the ThumbHash and the average colour.") var verbose = false
    @Argument(help: "Input files.") var inputs: [String]

    func validate() throws {
        guard width != nil || height != nil else { throw ValidationError("give --width, --height or both") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1 to 100") }
        guard AVIFEncoder.speeds.contains(avifSpeed) else { throw ValidationError("--avif-speed must be 0 to 9") }
        guard (output == nil) != (outDir == nil) else { throw ValidationError("give exactly one of -o FILE and --out-dir DIR") }
        if output != nil && inputs.count != 1 { throw ValidationError("-o takes one input; use --out-dir for several") }
        guard parseBackground() != nil else { throw ValidationError("--background must be six hex digits, e.g. ffffff") }
    }

    func run() throws {
        tuneAllocatorForImageWork()
        let thumbnailer = Thumbnailer(
            limits: ImagingLimits(
                maxInputBytes: maxInputMib << 20, maxPixels: maxMegapixels * 1_000_000, maxOutputSide: maxOutputSide),
            background: parseBackground()!, avifSpeed: avifSpeed)
        let spec = ThumbnailSpec(
            width: width, height: height, mode: mode, format: format, quality: quality, progressive: progressive, enlarge: enlarge)
        if let outDir {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        }
        var failures = 0
        for input in inputs {
            let destination = output ?? "\(outDir!)/\(URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent).\(format.fileExtension)"
            do {
                let bytes = try FileInput.read(input, limit: thumbnailer.limits.maxInputBytes)
                let result = try thumbnailer.makeThumbnails(from: bytes, specs: [spec])
                let thumbnail = result.thumbnails[0]
                try FileOutput.write(thumbnail.bytes, to: destination)
                if verbose {
                    let t = result.timings
                    let source = result.source
                    let decoded = source.decodedRegion == PixelRect(width: source.decodedWidth, height: source.decodedHeight)
                        ? "" : ", only \(source.decodedRegion) of it"
                    print(
                        "\(input): \(result.source.width)x\(result.source.height) \(result.source.format.rawValue) -> "
                            + "\(thumbnail.width)x\(thumbnail.height) \(thumbnail.bytes.count) bytes; decode \(ms(t.decode)) ms "
                            + "(at \(source.decodedWidth)x\(source.decodedHeight)\(decoded)), resize \(ms(t.resize)) ms, "
                            + "encode \(ms(t.encode)) ms; thumbhash \(result.placeholder.thumbHashBase64), "
                            + "average color \(result.placeholder.averageColor)")
                }
            } catch let error as ImagingError {
                failures += 1
                printError("\(input): error: \(error.code.rawValue): \(error.message)")
            } catch let error as POSIXError {
                failures += 1
                printError("\(input): error: io: \(String(cString: strerror(error.code.rawValue)))")
            } catch {
                failures += 1
                printError("\(input): error: io: \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func parseBackground() -> (UInt8, UInt8, UInt8)? {
        guard background.count == 6, let value = UInt32(background, radix: 16) else { return nil }
        return (UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }

    private func ms(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }
}

extension ResizeMode: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
