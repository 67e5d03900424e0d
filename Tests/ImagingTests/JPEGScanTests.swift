import Foundation
import Testing

@testable import Imaging

/// Issue 19's first half: a progressive JPEG decoded at 1/8 from only the scans that decode reads
/// gives the same pixels, byte for byte, as decoding every scan, and as djpeg's `-scale 1/8`.
@Suite("Progressive JPEG at 1/8 from the scans it reads", .offThePool)
struct JPEGScanTests {
    /// Every layout of scan_fixtures.py: libjpeg's standard script at five samplings, grey, jpegtran,
    /// a successive-approximation script, mozjpeg, restart markers, CMYK, arithmetic (left as it is),
    /// bytes after EOI, a 17 x 9 image; and a baseline file, which has nothing to leave out.
    @Test("the same pixels as decoding every scan, and as djpeg -scale 1/8", arguments: Fixtures.scans.names(prefix: "scan-"))
    func samePixels(name: String) throws {
        let fixture = try Fixtures.scans.named(name)
        let bytes = try Fixtures.scans.bytes(fixture)
        let (every, needed, filtered) = try bytes.withUnsafeBufferPointer { data in
            let markers = JPEGMarkers(data)
            let every = try JPEGDecoder.decode(
                data, markers: markers, minimumSize: (1, 1), limits: ImagingLimits(), skipUnreadScans: false)
            let needed = try JPEGDecoder.decode(data, markers: markers, minimumSize: (1, 1), limits: ImagingLimits())
            return (every, needed, JPEGDecoder.neededScans(data, markers: markers, denominator: 8))
        }
        #expect(every.shrinkOnLoad == 8 && needed.shrinkOnLoad == 8)
        #expect(needed.buffer.width == fixture.width && needed.buffer.height == fixture.height)
        #expect(needed.buffer.channels == fixture.channels)
        // The filter ran where there is something to leave out, and left out something.
        #expect((filtered != nil) == fixture.skips_scans, "\(name): filtered \(filtered.map { "\($0.count) of \(bytes.count) bytes" } ?? "nothing")")
        // (17 x 9 pixels are mostly headers and tables.)
        if let filtered { #expect(filtered.count < (name == "scan-tiny" ? bytes.count : bytes.count / 2), "\(name): \(filtered.count) of \(bytes.count) bytes kept") }

        let difference = PixelDifference(needed.buffer.pixels, every.buffer.pixels)
        #expect(difference.maximum == 0, "\(name): against every scan, \(difference)")
        if fixture.reference != nil {
            let djpeg = PixelDifference(needed.buffer.pixels, try Fixtures.scans.reference(fixture))
            #expect(djpeg.maximum == 0, "\(name): against djpeg, \(djpeg)")
        }
    }

    /// The filter keeps what the 2 x 2 IDCT of 4:2:0 chroma reads, and leaves out only luma's AC.
    @Test("4:2:0: the chroma AC scans stay, the luma AC scans go")
    func subsampledChromaKeepsItsScans() throws {
        let bytes = try Fixtures.scans.bytes(try Fixtures.scans.named("scan-default-420"))
        try bytes.withUnsafeBufferPointer { data in
            let scans = try #require(JPEGScans(data, maxScans: 500))
            let filtered = try #require(JPEGDecoder.neededScans(data, markers: JPEGMarkers(data), denominator: 8))
            let left = try filtered.withUnsafeBufferPointer { try #require(JPEGScans($0, maxScans: 500)) }
            let expected = scans.scans.filter { !($0.isAC && $0.components == [0]) }
            #expect(left.scans.map(\.components) == expected.map(\.components))
            #expect(left.scans.map(\.spectralStart) == expected.map(\.spectralStart))
            #expect(left.scans.contains { $0.isAC && $0.components == [1] } && left.scans.contains { $0.isAC && $0.components == [2] })
            // At 1/4 the luma IDCT reads AC coefficients: nothing is left out.
            #expect(JPEGDecoder.neededScans(data, markers: JPEGMarkers(data), denominator: 4) == nil)
        }
    }

    /// Anything the walk does not accept is decoded as it is, and so keeps its error.
    @Test("a file cut inside its AC scans is still truncated; a damaged layout is decoded as it is")
    func badLayoutsFallBack() throws {
        let bytes = try Fixtures.scans.bytes(try Fixtures.scans.named("scan-default-444"))
        let cut = Array(bytes[..<(bytes.count * 7 / 10)])
        cut.withUnsafeBufferPointer { data in
            #expect(JPEGScans(data, maxScans: 500) == nil)
            #expect(JPEGDecoder.neededScans(data, markers: JPEGMarkers(data), denominator: 8) == nil)
        }
        #expect(throws: ImagingError.self) {
            try cut.withUnsafeBufferPointer { try ImageDecoder.decode($0, minimumSize: (1, 1)) }
        }
        do {
            try cut.withUnsafeBufferPointer { _ = try ImageDecoder.decode($0, minimumSize: (1, 1)) }
        } catch let error as ImagingError {
            #expect(error.code == .truncated, "\(error)")
        }
        bytes.withUnsafeBufferPointer { data in
            // Fewer scans allowed than the file has: the walk gives up (the decode then refuses it).
            #expect(JPEGScans(data, maxScans: 9) == nil)
            #expect(JPEGScans(data, maxScans: 10)?.scans.count == 10)
        }
        // A scan header whose component count does not match its length; one naming a component the
        // frame does not have.
        var scans = try bytes.withUnsafeBufferPointer { try #require(JPEGScans($0, maxScans: 500)) }.scans
        let ac = try #require(scans.first { $0.isAC })
        var twoComponents = bytes
        twoComponents[ac.range.lowerBound + 4] = 2
        twoComponents.withUnsafeBufferPointer { #expect(JPEGScans($0, maxScans: 500) == nil) }
        var unknown = bytes
        unknown[ac.range.lowerBound + 5] = 0x7F
        unknown.withUnsafeBufferPointer { #expect(JPEGScans($0, maxScans: 500) == nil) }
        // An AC scan before its component's DC scan breaks G.1.1.1.1 (leaving out AC scans would
        // leave no scan at all); the same two scans the other way round are accepted.
        let dc = scans[0]
        let header = Array(bytes[..<dc.range.lowerBound])
        let between = Array(bytes[dc.range.upperBound..<ac.range.lowerBound])  // the AC scan's DHT
        let acFirst = header + between + Array(bytes[ac.range]) + Array(bytes[dc.range]) + [0xFF, 0xD9]
        acFirst.withUnsafeBufferPointer { #expect(JPEGScans($0, maxScans: 500) == nil) }
        let dcFirst = header + Array(bytes[dc.range]) + between + Array(bytes[ac.range]) + [0xFF, 0xD9]
        #expect(between.count > 2 && between[1] == 0xC4)
        dcFirst.withUnsafeBufferPointer { #expect(JPEGScans($0, maxScans: 500)?.scans.count == 2) }
        // Two scans of ten never send most coefficients in full: walked, but not complete, so the
        // decode reads the file as it is (block smoothing then estimates what is missing).
        dcFirst.withUnsafeBufferPointer { data in
            #expect(JPEGScans(data, maxScans: 500)?.isComplete == false)
            #expect(JPEGDecoder.neededScans(data, markers: JPEGMarkers(data), denominator: 8) == nil)
        }
        bytes.withUnsafeBufferPointer { #expect(JPEGScans($0, maxScans: 500)?.isComplete == true) }
        // What libjpeg refuses in a scan header: Al above 13; a refinement whose Al is not Ah - 1.
        let approximation = ac.range.lowerBound + 9  // FF DA, length, Ns = 1, (Cs, Td/Ta), Ss, Se, Ah/Al
        for (value, accepted) in [(UInt8(0x0E), false), (0x31, false), (0x21, true), (0x02, true)] {
            var header = bytes
            header[approximation] = value
            header.withUnsafeBufferPointer { #expect((JPEGScans($0, maxScans: 500) != nil) == accepted, "Ah/Al \(value)") }
        }
        // A band sent in full, then again by a later first scan at Al = 1: libjpeg keeps the last
        // scan's precision (and smooths), so the file is not complete.
        let chroma = try #require(scans.first { $0.isAC && $0.components == [1] })
        let resent = Array(bytes[..<(bytes.count - 2)]) + Array(bytes[chroma.range]) + [0xFF, 0xD9]
        resent.withUnsafeBufferPointer { data in
            #expect(JPEGScans(data, maxScans: 500)?.isComplete == false)
            #expect(JPEGDecoder.neededScans(data, markers: JPEGMarkers(data), denominator: 8) == nil)
        }
        // A Huffman table with more codes of one length than fit in it (two of one bit), the same
        // number of symbols in all: libjpeg refuses it when a scan uses it, so the walk refuses it.
        let dht = try #require((2..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC4 })
        let counts = dht + 5  // FF C4, length, Tc/Th, then the 16 counts
        let donor = try #require((1..<16).first { bytes[counts + $0] >= 2 })
        var overfull = bytes
        overfull[counts] += 2
        overfull[counts + donor] -= 2
        overfull.withUnsafeBufferPointer { #expect(JPEGScans($0, maxScans: 500) == nil) }
        // A scan naming an AC Huffman table no DHT defined.
        var undefined = bytes
        undefined[ac.range.lowerBound + 6] = (undefined[ac.range.lowerBound + 6] & 0xF0) | 3
        undefined.withUnsafeBufferPointer { #expect(JPEGScans($0, maxScans: 500) == nil) }
        scans.removeAll()
    }
}
