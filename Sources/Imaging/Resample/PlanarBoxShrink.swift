/// One plane of samples, as libheif hands them out: rows `bytesPerRow` apart, one byte a sample up
/// to 8 bits and two (native-endian `UInt16`) above, holding values up to 2^`bitDepth` - 1.
struct SamplePlane {
    let base: UnsafeRawPointer
    let bytesPerRow: Int
    /// Significant bits of a sample, 1 to 16.
    let bitDepth: Int
}

extension BoxShrink {
    /// RGBA from three colour planes and an optional alpha plane, box-shrunk by `factor` on the way:
    /// each output sample is the rounded mean of a `factor` x `factor` block of its plane (partial
    /// blocks at the right and bottom edges average the samples they have, as `shrink` does), scaled
    /// to 8 bits (v * 255 / (2^bitDepth - 1), rounded) after averaging, so deeper samples lose no
    /// precision to the mean. Alpha is 255 without an alpha plane.
    ///
    /// Averaging stored values is right for opaque and premultiplied images only: a caller with
    /// straight alpha passes `factor` 1 and shrinks after `Alpha.premultiply`.
    /// - Parameters:
    ///   - planes: R, G, B and optionally A, each at least `width` x `height`.
    ///   - factor: 1 to 4096 (32-bit column sums of 16-bit samples); the output is
    ///     ceil(width / factor) x ceil(height / factor).
    static func interleaving(
        _ planes: [SamplePlane], width: Int, height: Int, factor: Int, hasAlpha: Bool, isPremultiplied: Bool
    ) -> PixelBuffer {
        precondition(planes.count == 3 || planes.count == 4, "RGB or RGBA planes")
        precondition((1...4096).contains(factor) && width > 0 && height > 0)
        let outWidth = (width + factor - 1) / factor
        let outHeight = (height + factor - 1) / factor
        var output = PixelBuffer(width: outWidth, height: outHeight, channels: 4, hasAlpha: hasAlpha, isPremultiplied: isPremultiplied)
        output.pixels.withUnsafeMutableBufferPointer { destination in
            let dst = destination.baseAddress!
            if planes.count == 3 {
                for y in 0..<outHeight {
                    let out = dst + y * outWidth * 4
                    for x in 0..<outWidth { out[x * 4 + 3] = 255 }
                }
            }
            for (channel, plane) in planes.enumerated() {
                switch (factor, plane.bitDepth) {
                case (1, ...8): copy(plane, as: UInt8.self, width: width, height: height, into: dst + channel)
                case (1, _): copy(plane, as: UInt16.self, width: width, height: height, into: dst + channel)
                case (_, ...8): shrink(plane, as: UInt8.self, width: width, height: height, factor: factor, into: dst + channel)
                default: shrink(plane, as: UInt16.self, width: width, height: height, factor: factor, into: dst + channel)
                }
            }
        }
        return output
    }

    /// A plane into every fourth byte of `dst`, sample by sample: as it is at 8 bits, else scaled to
    /// 8 bits through a table (rather than a division per sample).
    private static func copy<Sample: FixedWidthInteger & UnsignedInteger>(
        _ plane: SamplePlane, as _: Sample.Type, width: Int, height: Int, into dst: UnsafeMutablePointer<UInt8>
    ) {
        if plane.bitDepth == 8 {
            for y in 0..<height {
                let line = plane.base + y * plane.bytesPerRow
                let out = dst + y * width * 4
                for x in 0..<width { out[x * 4] = line.load(fromByteOffset: x, as: UInt8.self) }
            }
            return
        }
        // round(v * 255 / maximum) for every value of the depth; one over the maximum reads its last entry, 255.
        let maximum = (1 << plane.bitDepth) - 1
        let table = (0...maximum).map { UInt8(($0 * 510 + maximum) / (2 * maximum)) }
        table.withUnsafeBufferPointer { table in
            for y in 0..<height {
                let line = plane.base + y * plane.bytesPerRow
                let out = dst + y * width * 4
                for x in 0..<width {
                    out[x * 4] = table[min(maximum, Int(line.loadUnaligned(fromByteOffset: x * MemoryLayout<Sample>.size, as: Sample.self)))]
                }
            }
        }
    }

    /// One plane box-shrunk into every fourth byte of `dst`: a block's rows are summed column by
    /// column first (contiguous, so the compiler vectorizes it), then each block's columns.
    private static func shrink<Sample: FixedWidthInteger & UnsignedInteger>(
        _ plane: SamplePlane, as _: Sample.Type, width: Int, height: Int, factor: Int, into dst: UnsafeMutablePointer<UInt8>
    ) {
        let outWidth = (width + factor - 1) / factor
        let maximum = UInt64((1 << plane.bitDepth) - 1)
        let columnSums = UnsafeMutablePointer<UInt32>.allocate(capacity: width)
        defer { columnSums.deallocate() }
        var firstRow = 0
        var outY = 0
        while firstRow < height {
            let rows = min(factor, height - firstRow)
            columnSums.initialize(repeating: 0, count: width)
            for row in firstRow..<(firstRow + rows) {
                let line = plane.base + row * plane.bytesPerRow
                for x in 0..<width {
                    columnSums[x] &+= UInt32(truncatingIfNeeded: line.loadUnaligned(fromByteOffset: x * MemoryLayout<Sample>.size, as: Sample.self))
                }
            }
            let out = dst + outY * outWidth * 4
            for outX in 0..<outWidth {
                let start = outX * factor
                let end = min(start + factor, width)
                var sum: UInt64 = 0
                for x in start..<end { sum &+= UInt64(columnSums[x]) }
                // round(sum / count * 255 / maximum), in integers: (2 * sum * 255 + d) / (2 * d) with d = count * maximum.
                let divisor = UInt64((end - start) * rows) &* maximum
                // Clamped: a sample over its depth's maximum (no decoder should give one) must not wrap.
                out[outX * 4] = UInt8(min(255, (2 &* sum &* 255 &+ divisor) / (2 &* divisor)))
            }
            firstRow += rows
            outY += 1
        }
    }
}
