#if arch(x86_64)
    import _Builtin_intrinsics.intel

    /// The Lanczos inner loops with SSE2's `pmaddwd`: two taps of eight 16-bit samples multiplied by
    /// two 16-bit weights and summed into 32-bit lanes in one instruction, exactly (no rounding until
    /// the final shift). Portable SIMD code multiplies 32-bit lanes, which baseline x86-64 (SSE2, no
    /// `pmulld`) can only emulate with shuffles: this is about three times faster there.
    enum LanczosKernelsSSE2 {
        /// One output row of the vertical pass from byte `start` on, 16 bytes at a time, from rows
        /// `first ..< first + count`; returns where it stopped (less than 16 bytes before `rowBytes`).
        @inline(__always)
        static func verticalRow(
            source first: UnsafePointer<UInt8>, rowBytes: Int, from start: Int, count: Int, pairs: UnsafePointer<Int32>,
            output: UnsafeMutablePointer<UInt8>
        ) -> Int {
            let zero = _mm_setzero_si128()
            let rounding = _mm_set1_epi32(1 << (LanczosWeights.shift - 1))
            var x = start
            while x + 16 <= rowBytes {
                var sum0 = rounding
                var sum1 = rounding
                var sum2 = rounding
                var sum3 = rounding
                var k = 0
                var pair = 0
                while k < count {
                    let rowA = first + k * rowBytes + x
                    // An odd last tap pairs with itself under a zero weight.
                    let rowB = k + 1 < count ? rowA + rowBytes : rowA
                    let a = _mm_loadu_si128(UnsafeRawPointer(rowA).assumingMemoryBound(to: __m128i.self))
                    let b = _mm_loadu_si128(UnsafeRawPointer(rowB).assumingMemoryBound(to: __m128i.self))
                    let weights = _mm_set1_epi32(pairs[pair])
                    let aLow = _mm_unpacklo_epi8(a, zero)
                    let aHigh = _mm_unpackhi_epi8(a, zero)
                    let bLow = _mm_unpacklo_epi8(b, zero)
                    let bHigh = _mm_unpackhi_epi8(b, zero)
                    sum0 = _mm_add_epi32(sum0, _mm_madd_epi16(_mm_unpacklo_epi16(aLow, bLow), weights))
                    sum1 = _mm_add_epi32(sum1, _mm_madd_epi16(_mm_unpackhi_epi16(aLow, bLow), weights))
                    sum2 = _mm_add_epi32(sum2, _mm_madd_epi16(_mm_unpacklo_epi16(aHigh, bHigh), weights))
                    sum3 = _mm_add_epi32(sum3, _mm_madd_epi16(_mm_unpackhi_epi16(aHigh, bHigh), weights))
                    k += 2
                    pair += 1
                }
                // Shift out the fraction, then saturating packs clamp to 0...255.
                let low = _mm_packs_epi32(_mm_srai_epi32(sum0, LanczosWeights.shift), _mm_srai_epi32(sum1, LanczosWeights.shift))
                let high = _mm_packs_epi32(_mm_srai_epi32(sum2, LanczosWeights.shift), _mm_srai_epi32(sum3, LanczosWeights.shift))
                _mm_storeu_si128(UnsafeMutableRawPointer(output + x).assumingMemoryBound(to: __m128i.self), _mm_packus_epi16(low, high))
                x += 16
            }
            return x
        }

        /// One RGBA output pixel of the horizontal pass from `count` source pixels at `first`.
        @inline(__always)
        static func horizontalPixel(
            source first: UnsafePointer<UInt8>, count: Int, pairs: UnsafePointer<Int32>, output: UnsafeMutablePointer<UInt8>
        ) {
            let zero = _mm_setzero_si128()
            var sum = _mm_set1_epi32(1 << (LanczosWeights.shift - 1))
            var k = 0
            var pair = 0
            while k < count {
                let a = _mm_cvtsi32_si128(UnsafeRawPointer(first + k * 4).loadUnaligned(as: Int32.self))
                let b = k + 1 < count ? _mm_cvtsi32_si128(UnsafeRawPointer(first + k * 4 + 4).loadUnaligned(as: Int32.self)) : a
                // Bytes R0 R1 G0 G1 B0 B1 A0 A1, widened to 16 bits: pmaddwd pairs each channel's two taps.
                let samples = _mm_unpacklo_epi8(_mm_unpacklo_epi8(a, b), zero)
                sum = _mm_add_epi32(sum, _mm_madd_epi16(samples, _mm_set1_epi32(pairs[pair])))
                k += 2
                pair += 1
            }
            let shifted = _mm_srai_epi32(sum, LanczosWeights.shift)
            let packed = _mm_packus_epi16(_mm_packs_epi32(shifted, zero), zero)
            UnsafeMutableRawPointer(output).storeBytes(of: _mm_cvtsi128_si32(packed), as: Int32.self)
        }
    }
#endif
