#if arch(x86_64)
    import CResample
#endif

/// A separable Lanczos3 resize of 8-bit gray or RGBA pixels with fixed-point taps: the vertical pass
/// first (it runs on whole rows, vectorised 32 or 16 bytes at a time), then the horizontal pass on the
/// already-reduced rows (four or two taps of an RGBA pixel per instruction). Results are rounded and
/// clamped to 0...255 after the negative lobes. On x86-64 the inner loops are AVX2 (`CResample`) where
/// the processor has it, else SSE2 (`LanczosKernelsSSE2`): the same integer sums, the same bytes.
public enum LanczosResampler {
    /// Whether the AVX2 kernels run here: an x86-64 processor with AVX2, asked once.
    static let avx2Available: Bool = {
        #if arch(x86_64)
            return cresample_has_avx2() != 0
        #else
            return false
        #endif
    }()

    /// - Parameter extent: the input's true size in pixels when its last column or row is partial
    ///   (after a box shrink or DCT scaling of a size that was not a multiple of the factor).
    public static func resize(
        _ input: PixelBuffer, width: Int, height: Int, extent: (width: Double, height: Double)? = nil
    ) -> PixelBuffer {
        precondition(width > 0 && height > 0)
        let taps = Taps(input: (input.width, input.height), output: (width, height), extent: extent)
        return resize(input, origin: (0, 0), taps: taps, part: PixelRect(width: width, height: height))
    }

    /// The taps of a resize on each axis, `nil` on an axis the resize leaves as it is (same size, no
    /// fractional extent).
    struct Taps {
        let horizontal: LanczosWeights?
        let vertical: LanczosWeights?

        init(input: (width: Int, height: Int), output: (width: Int, height: Int), extent: (width: Double, height: Double)?) {
            let exactWidth = extent.map { abs($0.width - Double(input.width)) < 1e-9 } ?? true
            let exactHeight = extent.map { abs($0.height - Double(input.height)) < 1e-9 } ?? true
            horizontal = input.width == output.width && exactWidth
                ? nil : LanczosWeights(inputSize: input.width, outputSize: output.width, inputExtent: extent?.width)
            vertical = input.height == output.height && exactHeight
                ? nil : LanczosWeights(inputSize: input.height, outputSize: output.height, inputExtent: extent?.height)
        }

        /// The input pixels that the outputs `part` read, as a rectangle of the whole input.
        func inputRect(of part: PixelRect) -> PixelRect {
            PixelRect(columns: Self.reads(horizontal, part.columns), rows: Self.reads(vertical, part.rows))
        }

        private static func reads(_ taps: LanczosWeights?, _ outputs: Range<Int>) -> Range<Int> {
            guard let taps else { return outputs }
            let first = outputs.map { taps.starts[$0] }.min()!
            let end = outputs.map { taps.starts[$0] + taps.counts[$0] }.max()!
            return first..<end
        }
    }

    /// The pixels `part` of the whole resize that `taps` describe, from `input`, which holds the
    /// whole input's pixels from `origin` on: at least `taps.inputRect(of: part)`. Every output pixel
    /// is computed exactly as in the whole resize (the same taps on the same input values), so this is
    /// the whole resize cropped to `part`, pixel for pixel, without the work outside it.
    /// - Parameter avx2: run the AVX2 kernels (only where `avx2Available`; tests compare both ways).
    static func resize(
        _ input: PixelBuffer, origin: (x: Int, y: Int), taps: Taps, part: PixelRect, avx2: Bool = avx2Available
    ) -> PixelBuffer {
        let needed = taps.inputRect(of: part)
        precondition(
            needed.x >= origin.x && needed.y >= origin.y && needed.x + needed.width <= origin.x + input.width
                && needed.y + needed.height <= origin.y + input.height,
            "the input \(input.width)x\(input.height)+\(origin.x)+\(origin.y) lacks \(needed)")
        let vertical = taps.vertical.map { resizeVertically(input, taps: $0, rows: part.rows, originY: origin.y, avx2: avx2) }
            ?? Crop.crop(input, x: 0, y: part.y - origin.y, width: input.width, height: part.height)
        return taps.horizontal.map { resizeHorizontally(vertical, taps: $0, columns: part.columns, originX: origin.x, avx2: avx2) }
            ?? Crop.crop(vertical, x: part.x - origin.x, y: 0, width: part.width, height: part.height)
    }

    /// Output rows `rows` of the vertical pass; input row `r` of the whole image is `input`'s row
    /// `r - originY`.
    static func resizeVertically(
        _ input: PixelBuffer, taps: LanczosWeights, rows: Range<Int>, originY: Int, avx2: Bool = avx2Available
    ) -> PixelBuffer {
        let height = rows.count
        let rowBytes = input.bytesPerRow
        var output = PixelBuffer(
            width: input.width, height: height, channels: input.channels, hasAlpha: input.hasAlpha,
            isPremultiplied: input.isPremultiplied)
        input.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { destination in
                let src = source.baseAddress!
                let dst = destination.baseAddress!
                for (index, y) in rows.enumerated() {
                    let count = taps.counts[y]
                    let rowWeights = taps.weights.baseAddress! + taps.offsets[y]
                    let firstRow = src + (taps.starts[y] - originY) * rowBytes
                    let out = dst + index * rowBytes
                    #if arch(x86_64)
                        let pairs = taps.pairs.baseAddress! + taps.pairOffsets[y]
                        var x = avx2
                            ? cresample_vertical_row_avx2(firstRow, rowBytes, count, pairs, LanczosWeights.shift, out) : 0
                        x = LanczosKernelsSSE2.verticalRow(
                            source: firstRow, rowBytes: rowBytes, from: x, count: count, pairs: pairs, output: out)
                    #else
                        var x = 0
                    #endif
                    while x + 16 <= rowBytes {
                        var sum = SIMD16<Int32>(repeating: 1 << (LanczosWeights.shift - 1))
                        var row = firstRow + x
                        for k in 0..<count {
                            let pixels = UnsafeRawPointer(row).loadUnaligned(as: SIMD16<UInt8>.self)
                            sum &+= SIMD16<Int32>(truncatingIfNeeded: pixels) &* rowWeights[k]
                            row += rowBytes
                        }
                        let clamped = (sum &>> LanczosWeights.shift).clamped(
                            lowerBound: SIMD16(repeating: 0), upperBound: SIMD16(repeating: 255))
                        UnsafeMutableRawPointer(out + x).storeBytes(
                            of: SIMD16<UInt8>(truncatingIfNeeded: clamped), as: SIMD16<UInt8>.self)
                        x += 16
                    }
                    while x < rowBytes {
                        var sum: Int32 = 1 << (LanczosWeights.shift - 1)
                        for k in 0..<count {
                            sum &+= Int32(firstRow[k * rowBytes + x]) &* rowWeights[k]
                        }
                        out[x] = UInt8(clamping: sum >> LanczosWeights.shift)
                        x += 1
                    }
                }
            }
        }
        return output
    }

    /// Output columns `columns` of the horizontal pass; input column `c` of the whole image is
    /// `input`'s column `c - originX`.
    static func resizeHorizontally(
        _ input: PixelBuffer, taps: LanczosWeights, columns: Range<Int>, originX: Int, avx2: Bool = avx2Available
    ) -> PixelBuffer {
        let width = columns.count
        var output = PixelBuffer(
            width: width, height: input.height, channels: input.channels, hasAlpha: input.hasAlpha,
            isPremultiplied: input.isPremultiplied)
        let inRow = input.bytesPerRow
        let outRow = output.bytesPerRow
        input.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { destination in
                let src = source.baseAddress!
                let dst = destination.baseAddress!
                for y in 0..<input.height {
                    let row = src + y * inRow
                    let out = dst + y * outRow
                    #if arch(x86_64)
                        if avx2 && input.channels == 4 {
                            cresample_horizontal_row_avx2(
                                row, input.width, taps.starts.baseAddress!, taps.counts.baseAddress!, taps.pairs.baseAddress!,
                                taps.pairOffsets.baseAddress!, columns.lowerBound, columns.count, originX, LanczosWeights.shift, out)
                            continue
                        }
                    #endif
                    for (index, x) in columns.enumerated() {
                        let first = row + (taps.starts[x] - originX) * input.channels
                        if input.channels == 4 {
                            #if arch(x86_64)
                                LanczosKernelsSSE2.horizontalPixel(
                                    source: first, count: taps.counts[x],
                                    pairs: taps.pairs.baseAddress! + taps.pairOffsets[x], output: out + index * 4)
                            #else
                                horizontalPixel(first, taps: taps, x, out + index * 4)
                            #endif
                        } else {
                            let tapWeights = taps.weights.baseAddress! + taps.offsets[x]
                            var sum: Int32 = 1 << (LanczosWeights.shift - 1)
                            for k in 0..<taps.counts[x] {
                                sum &+= Int32(first[k]) &* tapWeights[k]
                            }
                            out[index] = UInt8(clamping: sum >> LanczosWeights.shift)
                        }
                    }
                }
            }
        }
        return output
    }

    /// One RGBA output pixel with portable SIMD (architectures without the SSE2 kernel).
    @inline(__always)
    static func horizontalPixel(_ first: UnsafePointer<UInt8>, taps: LanczosWeights, _ x: Int, _ output: UnsafeMutablePointer<UInt8>) {
        let tapWeights = taps.weights.baseAddress! + taps.offsets[x]
        var pixel = UnsafeRawPointer(first)
        var sum = SIMD4<Int32>(repeating: 1 << (LanczosWeights.shift - 1))
        for k in 0..<taps.counts[x] {
            sum &+= SIMD4<Int32>(truncatingIfNeeded: pixel.loadUnaligned(as: SIMD4<UInt8>.self)) &* tapWeights[k]
            pixel += 4
        }
        let clamped = (sum &>> LanczosWeights.shift).clamped(lowerBound: SIMD4(repeating: 0), upperBound: SIMD4(repeating: 255))
        UnsafeMutableRawPointer(output).storeBytes(of: SIMD4<UInt8>(truncatingIfNeeded: clamped), as: SIMD4<UInt8>.self)
    }
}
