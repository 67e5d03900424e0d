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
    ///   - factor: 1 or more; the output is ceil(width / factor) x ceil(height / factor).
    static func interleaving(
        _ planes: [SamplePlane], width: Int, height: Int, factor: Int, hasAlpha: Bool, isPremultiplied: Bool
    ) -> PixelBuffer {
        precondition(planes.count == 3 || planes.count == 4, "RGB or RGBA planes")
        precondition(factor >= 1 && width > 0 && height > 0)
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
                if factor == 1 && plane.bitDepth == 8 {
                    copy(plane, width: width, height: height, into: dst + channel)
                } else if plane.bitDepth <= 8 {
                    shrink(plane, as: UInt8.self, width: width, height: height, factor: factor, into: dst + channel)
                } else {
                    shrink(plane, as: UInt16.self, width: width, height: height, factor: factor, into: dst + channel)
                }
            }
        }
        return output
    }

    /// An 8-bit plane into every fourth byte of `dst`, unchanged.
    private static func copy(_ plane: SamplePlane, width: Int, height: Int, into dst: UnsafeMutablePointer<UInt8>) {
        for y in 0..<height {
            let line = plane.base.advanced(by: y * plane.bytesPerRow).assumingMemoryBound(to: UInt8.self)
            let out = dst + y * width * 4
            for x in 0..<width { out[x * 4] = line[x] }
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
                let line = plane.base.advanced(by: row * plane.bytesPerRow).assumingMemoryBound(to: Sample.self)
                for x in 0..<width { columnSums[x] &+= UInt32(truncatingIfNeeded: line[x]) }
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
