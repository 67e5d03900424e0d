import Foundation

/// Fixed-point Lanczos3 taps for one axis: for each output index, the first source index and the
/// weights of the source samples it reads. Pixel centres are aligned (`src = (dst + 0.5) * scale - 0.5`),
/// the support grows with the reduction factor, taps falling outside the image are dropped and the
/// rest renormalised (no zero padding, no edge darkening), and the weights of every output sum to
/// exactly `one` so a flat image stays flat.
final class LanczosWeights {
    /// 1.0 in the fixed-point weights (14 fractional bits).
    static let shift: Int32 = 14
    static let one: Int32 = 1 << shift

    let outputSize: Int
    /// First source index of each output.
    let starts: UnsafeMutableBufferPointer<Int>
    /// Number of taps of each output.
    let counts: UnsafeMutableBufferPointer<Int>
    /// Weights of output `i` at `offsets[i]...`.
    let offsets: UnsafeMutableBufferPointer<Int>
    let weights: UnsafeMutableBufferPointer<Int32>
    /// The same taps two by two as packed Int16 pairs (`w[k] | w[k+1] << 16`), an odd count padded
    /// with a zero weight: the operand layout of SSE2's `pmaddwd`. Output `i`'s pairs start at
    /// `pairOffsets[i]`, `(counts[i] + 1) / 2` of them.
    let pairs: UnsafeMutableBufferPointer<Int32>
    let pairOffsets: UnsafeMutableBufferPointer<Int>

    // The kernels read these as plain pointers, so they live in buffers of their own, freed here.
    deinit {
        for buffer in [starts, counts, offsets, pairOffsets] { buffer.deallocate() }
        weights.deallocate()
        pairs.deallocate()
    }

    private static func buffer<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
        _ = buffer.initialize(from: array)
        return buffer
    }

    /// - Parameter inputExtent: how many input pixels the output spans; `inputSize` unless the input's
    ///   last pixel stands for only part of one (a partial box or DCT block), where the true,
    ///   fractional extent keeps every output centred on the right spot.
    init(inputSize: Int, outputSize: Int, inputExtent: Double? = nil) {
        precondition(inputSize > 0 && outputSize > 0)
        let scale = (inputExtent ?? Double(inputSize)) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        var starts: [Int] = []
        var counts: [Int] = []
        var offsets: [Int] = []
        var weights: [Int32] = []
        starts.reserveCapacity(outputSize)
        weights.reserveCapacity(outputSize * Int(ceil(support * 2 + 1)))
        var raw: [Double] = []
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale - 0.5
            let first = max(0, Int(ceil(center - support)))
            let last = min(inputSize - 1, Int(floor(center + support)))
            raw.removeAll(keepingCapacity: true)
            var sum = 0.0
            if first <= last {
                for source in first...last {
                    let weight = Self.lanczos3((Double(source) - center) / filterScale)
                    raw.append(weight)
                    sum += weight
                }
            }
            offsets.append(weights.count)
            if raw.isEmpty || abs(sum) < 1e-9 {
                // Degenerate (cannot happen for sane sizes): take the nearest sample.
                let nearest = min(inputSize - 1, max(0, Int(center.rounded())))
                starts.append(nearest)
                counts.append(1)
                weights.append(Self.one)
                continue
            }
            var fixed = raw.map { Int32(($0 / sum * Double(Self.one)).rounded()) }
            // Rounding can leave the sum a few units off one: give the difference to the largest tap.
            let error = Self.one - fixed.reduce(0, +)
            if error != 0, let largest = fixed.indices.max(by: { fixed[$0] < fixed[$1] }) {
                fixed[largest] += error
            }
            starts.append(first)
            counts.append(fixed.count)
            weights.append(contentsOf: fixed)
        }
        var pairs: [Int32] = []
        var pairOffsets: [Int] = []
        for output in 0..<outputSize {
            pairOffsets.append(pairs.count)
            var k = 0
            while k < counts[output] {
                let first = weights[offsets[output] + k]
                let second = k + 1 < counts[output] ? weights[offsets[output] + k + 1] : 0
                pairs.append(Int32(bitPattern: UInt32(UInt16(truncatingIfNeeded: first)) | UInt32(UInt16(truncatingIfNeeded: second)) << 16))
                k += 2
            }
        }
        self.outputSize = outputSize
        self.starts = Self.buffer(starts)
        self.counts = Self.buffer(counts)
        self.offsets = Self.buffer(offsets)
        self.weights = Self.buffer(weights)
        self.pairs = Self.buffer(pairs)
        self.pairOffsets = Self.buffer(pairOffsets)
    }

    static func lanczos3(_ x: Double) -> Double {
        let x = abs(x)
        if x < 1e-8 { return 1 }
        if x >= 3 { return 0 }
        let pix = Double.pi * x
        return 3 * sin(pix) * sin(pix / 3) / (pix * pix)
    }
}
