import Foundation
import TestSupport
import Testing

@testable import Imaging

@Suite("Resampling", .offThePool)
struct ResamplerTests {
    func photo() throws -> PixelBuffer {
        try decodeFull(try Fixtures.bytes(try Fixtures.named("photo-1600"))).buffer
    }

    @Test("Lanczos3 matches Pillow's LANCZOS from full size", arguments: ["lanczos-400x250", "lanczos-333x208", "lanczos-1000x625", "lanczos-1x1"])
    func againstPillow(name: String) throws {
        let fixture = try Fixtures.named(name)
        let ours = LanczosResampler.resize(try photo(), width: fixture.width, height: fixture.height)
        #expect(ours.width == fixture.width && ours.height == fixture.height)
        let difference = PixelDifference(ours.pixels, try Fixtures.reference(fixture))
        // Pillow runs the horizontal pass first, we run the vertical one first: the 8-bit rounding in
        // between differs by at most a level or two.
        #expect(difference.maximum <= 3, "\(name): max \(difference.maximum)")
        #expect(difference.mean < 0.35, "\(name): mean \(difference.mean)")
    }

    /// The AVX2 kernels (the default where the processor has them, so the Pillow comparisons above
    /// test them there) against the SSE2 ones, byte for byte: random pixels, reductions and
    /// enlargements, odd tap counts, rows whose bytes are no multiple of 32 or 16, taps that end at
    /// the last pixel of a row, parts of a resize from an offset input, gray and RGBA.
    @Test("the AVX2 kernels give the SSE2 kernels' bytes", .enabled(if: LanczosResampler.avx2Available))
    func avx2AgainstSSE2() {
        var generator = SplitMix64(state: 2026)
        let sizes: [((Int, Int), (Int, Int))] = [
            ((800, 450), (400, 225)), ((803, 451), (400, 225)), ((1706, 960), (400, 225)), ((37, 29), (11, 7)),
            ((9, 5), (4, 3)), ((100, 61), (33, 20)), ((64, 64), (64, 9)), ((21, 13), (50, 31)), ((3, 2), (9, 7)),
            ((257, 3), (255, 3)), ((5, 300), (2, 7)),
        ]
        for channels in [4, 1] {
            for ((inWidth, inHeight), (outWidth, outHeight)) in sizes {
                let pixels = (0..<(inWidth * inHeight * channels)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let input = PixelBuffer(width: inWidth, height: inHeight, channels: channels, pixels: pixels, hasAlpha: channels == 4)
                let taps = LanczosResampler.Taps(input: (inWidth, inHeight), output: (outWidth, outHeight), extent: nil)
                let whole = PixelRect(width: outWidth, height: outHeight)
                // A part whose taps start inside the input: cut the input to what it reads.
                let part = PixelRect(columns: (outWidth / 3)..<outWidth, rows: (outHeight / 2)..<outHeight)
                let reads = taps.inputRect(of: part)
                let cut = Crop.crop(input, x: reads.x, y: reads.y, width: reads.width, height: reads.height)
                for (source, origin, rect) in [(input, (0, 0), whole), (cut, (reads.x, reads.y), part)] {
                    let avx2 = LanczosResampler.resize(source, origin: origin, taps: taps, part: rect, avx2: true)
                    let sse2 = LanczosResampler.resize(source, origin: origin, taps: taps, part: rect, avx2: false)
                    #expect((avx2.width, avx2.height) == (rect.width, rect.height))
                    let differing = zip(avx2.pixels, sse2.pixels).filter { $0 != $1 }.count
                    #expect(differing == 0, "\(channels) channels, \(inWidth)x\(inHeight) -> \(outWidth)x\(outHeight), part \(rect): \(differing) bytes differ")
                }
            }
        }
    }

    @Test("the box + Lanczos thumbnail stays close to Pillow's pure Lanczos")
    func pipelineAgainstPillow() throws {
        let fixture = try Fixtures.named("lanczos-400x250")
        let image = try photo()
        let boxed = BoxShrink.shrink(image, factorX: 2, factorY: 2)
        let ours = LanczosResampler.resize(boxed, width: 400, height: 250)
        let difference = PixelDifference(ours.pixels, try Fixtures.reference(fixture))
        #expect(difference.mean < 1.5, "mean \(difference.mean)")
    }

    @Test("a flat image stays exactly flat at every scale, box and Lanczos")
    func flatStaysFlat() throws {
        let flat = try decodeFull(try Fixtures.bytes(try Fixtures.named("flat"))).buffer
        for (width, height) in [(100, 70), (17, 3), (301, 211), (600, 422), (1, 1)] {
            for factor in [1, 2, 3] {
                let out = LanczosResampler.resize(BoxShrink.shrink(flat, factorX: factor, factorY: factor), width: width, height: height)
                let expected = flat.pixel(x: 0, y: 0)
                for y in stride(from: 0, to: out.height, by: max(1, out.height / 7)) {
                    for x in stride(from: 0, to: out.width, by: max(1, out.width / 7)) {
                        #expect(out.pixel(x: x, y: y) == expected, "\(width)x\(height) box \(factor) at \(x),\(y)")
                    }
                }
            }
        }
    }

    @Test("a centred dot stays centred and symmetric")
    func centredDot() {
        for size in [63, 64] {
            var image = PixelBuffer(width: size, height: size, channels: 1, pixels: [UInt8](repeating: 0, count: size * size))
            let centre = size / 2
            for y in (centre - 1)...(centre + (size % 2 == 0 ? 0 : 1)) {
                for x in (centre - 1)...(centre + (size % 2 == 0 ? 0 : 1)) { image.pixels[y * size + x] = 255 }
            }
            let outSize = size % 2 == 0 ? 16 : 21
            let out = LanczosResampler.resize(image, width: outSize, height: outSize)
            for y in 0..<outSize {
                for x in 0..<outSize {
                    // Mirror symmetry in both axes and across the diagonal.
                    #expect(out.pixels[y * outSize + x] == out.pixels[y * outSize + (outSize - 1 - x)])
                    #expect(out.pixels[y * outSize + x] == out.pixels[(outSize - 1 - y) * outSize + x])
                    #expect(out.pixels[y * outSize + x] == out.pixels[x * outSize + y])
                }
            }
            let brightest = out.pixels.indices.max { out.pixels[$0] < out.pixels[$1] }!
            #expect(abs(brightest % outSize - outSize / 2) <= 1 && abs(brightest / outSize - outSize / 2) <= 1)
        }
    }

    @Test("taps sum exactly to one, at every output and scale")
    func weightsSumToOne() {
        for (input, output) in [(1600, 400), (1600, 333), (7, 3), (3, 7), (1000, 1), (5, 5), (4000, 401)] {
            let taps = LanczosWeights(inputSize: input, outputSize: output)
            for index in 0..<output {
                let sum = (0..<taps.counts[index]).reduce(Int32(0)) { $0 + taps.weights[taps.offsets[index] + $1] }
                #expect(sum == LanczosWeights.one, "\(input)->\(output) at \(index)")
                #expect(taps.starts[index] >= 0 && taps.starts[index] + taps.counts[index] <= input)
            }
        }
    }

    @Test("exact output sizes at each shrink-on-load factor and for odd sizes")
    func exactSizes() throws {
        let bytes = try Fixtures.bytes(try Fixtures.named("jpeg-444"))  // 97 x 61
        for (width, height, expected) in [(48, nil, (48, 30)), (12, nil, (12, 8)), (nil, 7, (11, 7)), (97, 61, (97, 61)), (3, 3, (3, 2))]
            as [(Int?, Int?, (Int, Int))]
        {
            let result = try Thumbnailer().makeThumbnails(from: bytes, specs: [ThumbnailSpec(width: width, height: height)])
            #expect((result.thumbnails[0].width, result.thumbnails[0].height) == expected)
            let decoded = try decodeFull(result.thumbnails[0].bytes)
            #expect((decoded.buffer.width, decoded.buffer.height) == expected)
        }
        // 1600 x 1000 PNG-sourced JPEG at every DCT factor: the output size never depends on the factor.
        let big = try Fixtures.bytes(try Fixtures.named("photo-1600"))
        let png = try Thumbnailer().makeThumbnails(from: big, specs: [ThumbnailSpec(width: 101, height: 101)])
        #expect((png.thumbnails[0].width, png.thumbnails[0].height) == (101, 63))
        #expect(JPEGDecoder.shrinkDenominator(width: 5120, height: 2880, minimum: (800, 450)) == 4)
        #expect(JPEGDecoder.shrinkDenominator(width: 5120, height: 2880, minimum: (640, 360)) == 8)
        #expect(JPEGDecoder.shrinkDenominator(width: 5120, height: 2880, minimum: (2000, 1200)) == 2)
        #expect(JPEGDecoder.shrinkDenominator(width: 5120, height: 2880, minimum: (4000, 100)) == 1)
    }

    @Test("1x1, 4000x3 and 3x4000 make thumbnails of the right size")
    func extremeShapes() throws {
        let cases: [(String, ThumbnailSpec, (Int, Int))] = [
            ("tiny-1x1", ThumbnailSpec(width: 400, height: 400), (1, 1)),
            ("tiny-1x1", ThumbnailSpec(width: 400, height: 400, enlarge: true), (400, 400)),
            ("wide-4000x3", ThumbnailSpec(width: 400, height: 400), (400, 1)),
            ("tall-3x4000", ThumbnailSpec(width: 400, height: 400), (1, 400)),
            ("wide-4000x3", ThumbnailSpec(width: 100, height: 100, mode: .fill), (100, 3)),  // covers what it can without enlarging
            ("tall-3x4000", ThumbnailSpec(width: 50, height: 80, mode: .force), (50, 80)),
        ]
        for (name, spec, expected) in cases {
            let result = try Thumbnailer().makeThumbnails(from: try Fixtures.bytes(try Fixtures.named(name)), specs: [spec])
            #expect((result.thumbnails[0].width, result.thumbnails[0].height) == expected, "\(name) \(spec)")
        }
    }

    /// The planar box (HEIF shrink-on-load) against the definition, computed here the slow way:
    /// each output sample is round(mean of its block * 255 / (2^depth - 1)), partial blocks at the
    /// right and bottom averaging what they have, alpha 255 without an alpha plane; a sample over its
    /// depth's maximum (in the first row of the 10-bit planes) clamps to 255 rather than wrapping.
    @Test("the planar box interleaves and shrinks 8-, 10- and 12-bit planes to the rounded block means",
          arguments: [1, 2, 3, 7])
    func planarBox(factor: Int) {
        var generator = SystemRandomNumberGenerator()
        let (width, height) = (23, 17)
        for (depths, alpha) in [([8, 8, 8], false), ([10, 10, 10, 10], true), ([12, 12, 12, 8], true), ([1, 8, 16], false)] {
            // Rows padded past the width, as libheif aligns them.
            let planes: [[UInt16]] = depths.map { depth in
                (0..<(height * (width + 5))).map { index in
                    let top = depth == 10 && index < width + 5 ? UInt16.max : UInt16((1 << depth) - 1)
                    return UInt16.random(in: 0...top, using: &generator)
                }
            }
            let storage: [UnsafeMutableRawBufferPointer] = zip(planes, depths).map { plane, depth in
                let bytes = depth > 8 ? plane.withUnsafeBytes { Array($0) } : plane.map { UInt8($0) }
                let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
                copy.copyBytes(from: bytes)
                return copy
            }
            defer { storage.forEach { $0.deallocate() } }
            let buffer = zip(storage, depths).map { bytes, depth in
                SamplePlane(base: UnsafeRawPointer(bytes.baseAddress!), bytesPerRow: (width + 5) * (depth > 8 ? 2 : 1), bitDepth: depth)
            }
            let out = BoxShrink.interleaving(buffer, width: width, height: height, factor: factor, hasAlpha: alpha, isPremultiplied: alpha)
            let (outWidth, outHeight) = ((width + factor - 1) / factor, (height + factor - 1) / factor)
            #expect((out.width, out.height, out.channels) == (outWidth, outHeight, 4))
            var wrong = 0
            for y in 0..<outHeight {
                for x in 0..<outWidth {
                    for channel in 0..<4 {
                        var expected = 255
                        if channel < depths.count {
                            var sum = 0
                            var count = 0
                            for row in (y * factor)..<min(height, (y + 1) * factor) {
                                for column in (x * factor)..<min(width, (x + 1) * factor) {
                                    sum += Int(planes[channel][row * (width + 5) + column])
                                    count += 1
                                }
                            }
                            // One correctly rounded division of exact integers: a tie (n + 1/2) comes out exact.
                            expected = min(255, Int((Double(sum * 255) / Double(count * ((1 << depths[channel]) - 1))).rounded()))
                        }
                        if Int(out.pixel(x: x, y: y)[channel]) != expected { wrong += 1 }
                    }
                }
            }
            #expect(wrong == 0, "depths \(depths), factor \(factor)")
        }
    }
}
