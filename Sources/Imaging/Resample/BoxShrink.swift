/// Integer box shrink: each output pixel is the mean of a `factorX` x `factorY` block (partial blocks
/// at the right and bottom edges average the pixels they have). It touches every input pixel once,
/// which is what makes large PNGs cheap before the Lanczos pass.
public enum BoxShrink {
    public static func shrink(_ input: PixelBuffer, factorX: Int, factorY: Int) -> PixelBuffer {
        precondition(factorX >= 1 && factorY >= 1)
        if factorX == 1 && factorY == 1 { return input }
        let outWidth = (input.width + factorX - 1) / factorX
        let outHeight = (input.height + factorY - 1) / factorY
        var output = PixelBuffer(
            width: outWidth, height: outHeight, channels: input.channels, hasAlpha: input.hasAlpha,
            isPremultiplied: input.isPremultiplied)
        let channels = input.channels
        let outRow = outWidth * channels
        // One accumulator per output pixel of the current output row, in 32-bit lanes.
        var sums = [SIMD4<UInt32>](repeating: .zero, count: outWidth)
        input.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { destination in
                sums.withUnsafeMutableBufferPointer { accumulators in
                    let src = source.baseAddress!
                    let dst = destination.baseAddress!
                    let acc = accumulators.baseAddress!
                    for outY in 0..<outHeight {
                        let firstRow = outY * factorY
                        let rows = min(factorY, input.height - firstRow)
                        for index in 0..<outWidth { acc[index] = .zero }
                        for row in firstRow..<(firstRow + rows) {
                            let line = src + row * input.bytesPerRow
                            if channels == 4 {
                                var x = 0
                                for outX in 0..<outWidth {
                                    let end = min(x + factorX, input.width)
                                    var sum = acc[outX]
                                    while x < end {
                                        let value = UnsafeRawPointer(line + x * 4).loadUnaligned(as: SIMD4<UInt8>.self)
                                        sum &+= SIMD4<UInt32>(truncatingIfNeeded: value)
                                        x += 1
                                    }
                                    acc[outX] = sum
                                }
                            } else {
                                var x = 0
                                for outX in 0..<outWidth {
                                    let end = min(x + factorX, input.width)
                                    var sum: UInt32 = 0
                                    while x < end {
                                        sum &+= UInt32(line[x])
                                        x += 1
                                    }
                                    acc[outX].x &+= sum
                                }
                            }
                        }
                        let out = dst + outY * outRow
                        for outX in 0..<outWidth {
                            let columns = min(factorX, input.width - outX * factorX)
                            let count = UInt32(columns * rows)
                            // Rounded mean: (sum + count/2) / count.
                            let mean = (acc[outX] &+ SIMD4(repeating: count / 2)) / SIMD4(repeating: count)
                            if channels == 4 {
                                UnsafeMutableRawPointer(out + outX * 4).storeBytes(
                                    of: SIMD4<UInt8>(truncatingIfNeeded: mean), as: SIMD4<UInt8>.self)
                            } else {
                                out[outX] = UInt8(truncatingIfNeeded: mean.x)
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
