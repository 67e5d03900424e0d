import CJPEGDecode
import Foundation
import Testing

@testable import Imaging

/// Our Huffman decoder of sequential JPEGs (`fast_entropy.c`, issue 19's "below the decode floor" for
/// baseline files) gives the same pixels as libjpeg's own decoder and as djpeg, at every scale, whole
/// and in part; and leaves each file it does not take in its stride to libjpeg's decoder, whose outcome
/// (pixels, warnings' verdict, error) is then the decode's.
@Suite("sequential JPEGs through our Huffman decoder", .offThePool)
struct FastEntropyTests {
    static let scales = [1, 2, 4, 8]

    /// One `cjpeg_decode` of `bytes` at 1/`scale`, of the part given (all of it by default).
    struct Outcome {
        var status: cjpeg_status
        var rows: UInt32
        var pixels: [UInt8]
        /// Our decoder decoded the file to its end (it did not give up, nor was it left out).
        var fast: Bool

        /// The verdict, as the log shows it.
        var seen: String { status == CJPEG_OK ? "OK, \(pixels.count) bytes" : "status \(status.rawValue) after \(rows) rows" }
    }

    static func decode(
        _ bytes: [UInt8], fixture: Fixture, scale: Int, libjpegEntropy: Bool, part: PixelRect? = nil
    ) -> Outcome {
        let width = (fixture.width + scale - 1) / scale, height = (fixture.height + scale - 1) / scale
        let isCMYK = fixture.name.hasSuffix("cmyk")
        let channels = fixture.channels
        let capacity = (part.map { min(width, $0.width + 32) * $0.height } ?? width * height) * channels
        var pixels = [UInt8](repeating: 0, count: capacity)
        var result = cjpeg_result()
        bytes.withUnsafeBufferPointer { data in
            pixels.withUnsafeMutableBufferPointer { out in
                var request = cjpeg_request(
                    data: data.baseAddress, size: data.count, scale_denominator: Int32(scale),
                    output: channels == 1 ? CJPEG_OUT_GRAY : (isCMYK ? CJPEG_OUT_CMYK : CJPEG_OUT_RGBA),
                    pixels: out.baseAddress, width: UInt32(width), height: UInt32(height), max_scans: 500,
                    crop_x: UInt32(part?.x ?? 0), crop_width: UInt32(part?.width ?? 0),
                    skip_rows: UInt32(part?.y ?? 0), rows: UInt32(part?.height ?? 0), pixels_capacity: out.count,
                    scans_left_out: 0, libjpeg_entropy: libjpegEntropy ? 1 : 0)
                cjpeg_decode(&request, &result)
            }
        }
        let decodedWidth = part == nil ? width : Int(result.crop_width)
        if result.status == CJPEG_OK { pixels.removeLast(pixels.count - decodedWidth * (part?.height ?? height) * channels) }
        return Outcome(status: result.status, rows: result.rows_decoded, pixels: pixels, fast: result.fast_entropy != 0)
    }

    /// The decode with our Huffman decoder (where it applies), then with libjpeg's.
    static func bothWays(_ bytes: [UInt8], fixture: Fixture, scale: Int, part: PixelRect? = nil) -> (fast: Outcome, libjpeg: Outcome) {
        (decode(bytes, fixture: fixture, scale: scale, libjpegEntropy: false, part: part),
         decode(bytes, fixture: fixture, scale: scale, libjpegEntropy: true, part: part))
    }

    /// 4:2:0, 4:2:2, 4:4:4, 4:4:0, 4:1:1, grey, quality 100, optimised tables (codes past 11 bits),
    /// restart markers every row, every 3 MCUs and after fill bytes, Pillow's encoder, CMYK, 17 x 9,
    /// and symbols no encoder writes (runs and ZRLs past coefficient 63, a size-0 run read as EOB,
    /// 15-bit coefficients, 16-bit codes, DC sums that wrap); and two the fast decoder leaves alone
    /// (one scan per component, arithmetic coding).
    @Test("the same pixels as libjpeg's decoder and djpeg, 1/1 to 1/8", arguments: Fixtures.sequential.names(prefix: "seq-"))
    func samePixels(name: String) throws {
        let fixture = try Fixtures.sequential.named(name)
        let bytes = try Fixtures.sequential.bytes(fixture)
        for scale in Self.scales {
            let (fast, libjpeg) = Self.bothWays(bytes, fixture: fixture, scale: scale)
            #expect(fast.status == CJPEG_OK && libjpeg.status == CJPEG_OK, "\(name) 1/\(scale): \(fast.seen), \(libjpeg.seen)")
            #expect(fast.fast == fixture.fast_entropy, "\(name) 1/\(scale): the fast decoder ran: \(fast.fast)")
            #expect(!libjpeg.fast)
            let difference = PixelDifference(fast.pixels, libjpeg.pixels)
            #expect(difference.maximum == 0, "\(name) 1/\(scale): against libjpeg's decoder, \(difference)")
            if let reference = try Fixtures.sequential.reference(fixture, scale: scale) {
                let djpeg = PixelDifference(fast.pixels, reference)
                #expect(djpeg.maximum == 0, "\(name) 1/\(scale): against djpeg, \(djpeg)")
            }
        }
        // And through the decoder thumbd uses, at the scale a small thumbnail gets.
        let decoded = try bytes.withUnsafeBufferPointer { try ImageDecoder.decode($0, minimumSize: (1, 1)) }
        #expect(decoded.shrinkOnLoad == 8)
        if let reference = try Fixtures.sequential.reference(fixture, scale: 8) {
            #expect(PixelDifference(decoded.buffer.pixels, reference).maximum == 0, "\(name): ImageDecoder at 1/8")
        }
    }

    /// A `fill` crop decodes columns and rows in part: skipped rows' MCUs are decoded with nowhere to
    /// put them (libjpeg passes no blocks), cut columns' are decoded and not transformed.
    @Test("parts: the same pixels as libjpeg's decoder",
          arguments: ["seq-420", "seq-422", "seq-411", "seq-gray", "seq-restart-mcus", "seq-restart-rows", "seq-cmyk"])
    func sameParts(name: String) throws {
        let fixture = try Fixtures.sequential.named(name)
        let bytes = try Fixtures.sequential.bytes(fixture)
        for scale in [8, 2] {
            let width = (fixture.width + scale - 1) / scale, height = (fixture.height + scale - 1) / scale
            let parts = [
                PixelRect(x: width / 3, y: 0, width: width / 3, height: height),            // cut left and right
                PixelRect(x: 0, y: height / 2, width: width, height: height / 4),           // rows skipped above
                PixelRect(x: width / 2 + 3, y: height / 3 + 1, width: width / 4, height: height / 5),
            ]
            for part in parts {
                let (fast, libjpeg) = Self.bothWays(bytes, fixture: fixture, scale: scale, part: part)
                #expect(fast.status == CJPEG_OK && fast.fast && libjpeg.status == CJPEG_OK, "\(name) 1/\(scale) \(part): \(fast.seen), \(libjpeg.seen)")
                #expect(fast.pixels == libjpeg.pixels, "\(name) 1/\(scale) \(part): \(PixelDifference(fast.pixels, libjpeg.pixels))")
            }
        }
    }

    /// Cut short; garbage before a restart marker; restart markers out of turn; an FF FF 00 (which
    /// libjpeg-turbo reads one way or another); a marker inside the data; single changed bytes. The
    /// fast decoder gives up on the first five, and the decode is libjpeg's: the same verdict, rows
    /// and pixels.
    @Test("damaged files: the same outcome as libjpeg's decoder", arguments: Fixtures.sequential.names(prefix: "bad-"))
    func damagedFiles(name: String) throws {
        let fixture = try Fixtures.sequential.named(name)
        let bytes = try Fixtures.sequential.bytes(fixture)
        for scale in Self.scales {
            let (fast, libjpeg) = Self.bothWays(bytes, fixture: fixture, scale: scale)
            if let expected = fixture.fast_entropy {
                #expect(fast.fast == expected, "\(name) 1/\(scale): the fast decoder ran to the end: \(fast.fast)")
            }
            #expect(fast.status == libjpeg.status && fast.rows == libjpeg.rows, "\(name) 1/\(scale): \(fast.seen), libjpeg's \(libjpeg.seen)")
            if fast.status == CJPEG_OK && libjpeg.status == CJPEG_OK {
                #expect(PixelDifference(fast.pixels, libjpeg.pixels).maximum == 0, "\(name) 1/\(scale)")
            }
        }
        // What a user sees: the cut file is truncated, the one with a marker inside corrupt.
        let verdict = Self.decode(bytes, fixture: fixture, scale: 8, libjpegEntropy: false).status
        if name == "bad-cut" { #expect(verdict == CJPEG_TRUNCATED) }
        if name == "bad-marker-inside" { #expect(verdict == CJPEG_CORRUPT) }
    }

    /// A changed byte often still makes valid codes: the fast decoder then decodes the file to its end,
    /// through whatever the change made of it, and must make what libjpeg makes (`damagedFiles`). At
    /// least some of the eight must be such, or that test compared libjpeg with itself.
    @Test("changed bytes: some decode through our decoder to the end")
    func changedBytesReachTheFastDecoder() throws {
        var fastRuns = 0
        for name in Fixtures.sequential.names(prefix: "bad-flip-") {
            let fixture = try Fixtures.sequential.named(name)
            let bytes = try Fixtures.sequential.bytes(fixture)
            fastRuns += Self.scales.filter { Self.decode(bytes, fixture: fixture, scale: $0, libjpegEntropy: false).fast }.count
        }
        #expect(fastRuns > 0, "\(fastRuns) of 32 decodes")
    }
}
