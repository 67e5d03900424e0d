/// A separable Lanczos3 resize of 8-bit gray or RGBA pixels with fixed-point taps: the vertical pass
/// first (it runs on whole rows, vectorised 16 bytes at a time), then the horizontal pass on the
/// already-reduced rows (one SIMD4 per RGBA pixel and tap). Results are rounded and clamped to
/// 0...255 after the negative lobes.
public enum LanczosResampler {
    /// - Parameter extent: the input's true size in pixels when its last column or row is partial
    ///   (after a box shrink or DCT scaling of a size that was not a multiple of the factor).
    public static func resize(
        _ input: PixelBuffer, width: Int, height: Int, extent: (width: Double, height: Double)? = nil
    ) -> PixelBuffer {
        precondition(width > 0 && height > 0)
        let exactWidth = extent.map { abs($0.width - Double(input.width)) < 1e-9 } ?? true
        let exactHeight = extent.map { abs($0.height - Double(input.height)) < 1e-9 } ?? true
        if input.width == width && input.height == height && exactWidth && exactHeight { return input }
        let vertical = input.height == height && exactHeight
            ? input : resizeVertically(input, height: height, extent: extent?.height)
        return vertical.width == width && exactWidth ? vertical : resizeHorizontally(vertical, width: width, extent: extent?.width)
    }

    static func resizeVertically(_ input: PixelBuffer, height: Int, extent: Double? = nil) -> PixelBuffer {
        let taps = LanczosWeights(inputSize: input.height, outputSize: height, inputExtent: extent)
        let rowBytes = input.bytesPerRow
        var output = PixelBuffer(
            width: input.width, height: height, channels: input.channels, hasAlpha: input.hasAlpha,
            isPremultiplied: input.isPremultiplied)
        input.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { destination in
                let src = source.baseAddress!
                let dst = destination.baseAddress!
                for y in 0..<height {
                    let count = taps.counts[y]
                    let rowWeights = taps.weights.baseAddress! + taps.offsets[y]
                    let firstRow = src + taps.starts[y] * rowBytes
                    let out = dst + y * rowBytes
                    #if arch(x86_64)
                        var x = LanczosKernelsSSE2.verticalRow(
                            source: firstRow, rowBytes: rowBytes, count: count,
                            pairs: taps.pairs.baseAddress! + taps.pairOffsets[y], output: out)
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

    static func resizeHorizontally(_ input: PixelBuffer, width: Int, extent: Double? = nil) -> PixelBuffer {
        let taps = LanczosWeights(inputSize: input.width, outputSize: width, inputExtent: extent)
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
                    for x in 0..<width {
                        if input.channels == 4 {
                            #if arch(x86_64)
                                LanczosKernelsSSE2.horizontalPixel(
                                    source: row + taps.starts[x] * 4, count: taps.counts[x],
                                    pairs: taps.pairs.baseAddress! + taps.pairOffsets[x], output: out + x * 4)
                            #else
                                horizontalPixel(row + taps.starts[x] * 4, taps: taps, x, out + x * 4)
                            #endif
                        } else {
                            let tapWeights = taps.weights.baseAddress! + taps.offsets[x]
                            let first = row + taps.starts[x]
                            var sum: Int32 = 1 << (LanczosWeights.shift - 1)
                            for k in 0..<taps.counts[x] {
                                sum &+= Int32(first[k]) &* tapWeights[k]
                            }
                            out[x] = UInt8(clamping: sum >> LanczosWeights.shift)
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
