#include "cresample.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

int cresample_has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    // OSXSAVE (the OS saves extended state) and AVX; then XCR0 must enable SSE and YMM state.
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & bit_AVX2) != 0;
}

#define AVX2 __attribute__((target("avx2")))

AVX2 long cresample_vertical_row_avx2(const uint8_t *first, long row_bytes, long count, const int32_t *pairs,
                                      int shift, uint8_t *output) {
    const __m256i zero = _mm256_setzero_si256();
    const __m256i rounding = _mm256_set1_epi32(1 << (shift - 1));
    long x = 0;
    for (; x + 32 <= row_bytes; x += 32) {
        __m256i sum0 = rounding, sum1 = rounding, sum2 = rounding, sum3 = rounding;
        for (long k = 0, pair = 0; k < count; k += 2, pair++) {
            const uint8_t *row_a = first + k * row_bytes + x;
            // An odd last tap pairs with itself under a zero weight.
            const uint8_t *row_b = k + 1 < count ? row_a + row_bytes : row_a;
            __m256i a = _mm256_loadu_si256((const __m256i *)row_a);
            __m256i b = _mm256_loadu_si256((const __m256i *)row_b);
            __m256i weights = _mm256_set1_epi32(pairs[pair]);
            // Unpacks and packs both work within 128-bit lanes, so the bytes come back in order.
            __m256i a_low = _mm256_unpacklo_epi8(a, zero), a_high = _mm256_unpackhi_epi8(a, zero);
            __m256i b_low = _mm256_unpacklo_epi8(b, zero), b_high = _mm256_unpackhi_epi8(b, zero);
            sum0 = _mm256_add_epi32(sum0, _mm256_madd_epi16(_mm256_unpacklo_epi16(a_low, b_low), weights));
            sum1 = _mm256_add_epi32(sum1, _mm256_madd_epi16(_mm256_unpackhi_epi16(a_low, b_low), weights));
            sum2 = _mm256_add_epi32(sum2, _mm256_madd_epi16(_mm256_unpacklo_epi16(a_high, b_high), weights));
            sum3 = _mm256_add_epi32(sum3, _mm256_madd_epi16(_mm256_unpackhi_epi16(a_high, b_high), weights));
        }
        __m256i low = _mm256_packs_epi32(_mm256_srai_epi32(sum0, shift), _mm256_srai_epi32(sum1, shift));
        __m256i high = _mm256_packs_epi32(_mm256_srai_epi32(sum2, shift), _mm256_srai_epi32(sum3, shift));
        _mm256_storeu_si256((__m256i *)(output + x), _mm256_packus_epi16(low, high));
    }
    return x;
}

// Two taps of one RGBA pixel as pmaddwd operands: pixels k and k + 1 (k + 1 only when `both`),
// bytes R0 R1 G0 G1 B0 B1 A0 A1 widened to 16 bits.
AVX2 static inline __m128i tap_pair(const uint8_t *pixel, int both) {
    int32_t p0, p1 = 0;
    memcpy(&p0, pixel, 4);
    if (both) memcpy(&p1, pixel + 4, 4);
    __m128i a = _mm_cvtsi32_si128(p0), b = _mm_cvtsi32_si128(p1);
    return _mm_cvtepu8_epi16(_mm_unpacklo_epi8(a, b));
}

AVX2 void cresample_horizontal_row_avx2(const uint8_t *row, long row_pixels, const long *starts, const long *counts,
                                        const int32_t *pairs, const long *pair_offsets, long first_column,
                                        long column_count, long origin_x, int shift, uint8_t *output) {
    // Four pixels' bytes R0 G0 B0 A0 R1 ... A3 to R0 R1 G0 G1 B0 B1 A0 A1 | R2 R3 ... A3: each 128-bit
    // lane of the widened vector then holds one pair of taps, as pmaddwd wants them.
    const __m128i interleave = _mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
    const __m256i lane_pairs = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    const __m128i rounding = _mm_set1_epi32(1 << (shift - 1));
    for (long i = 0; i < column_count; i++) {
        const long x = first_column + i;
        const long start = starts[x] - origin_x, count = counts[x];
        const uint8_t *first = row + start * 4;
        const int32_t *weights = pairs + pair_offsets[x];
        // Four taps (two pairs) at a time while both pairs are this output's and four whole pixels
        // lie in the row (the fourth may be an odd count's padding, under a zero weight).
        __m256i wide_sum = _mm256_setzero_si256();
        long k = 0;
        for (; k + 4 <= count + 1 && start + k + 4 <= row_pixels; k += 4) {
            __m128i pixels = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(first + k * 4)), interleave);
            __m128i two = _mm_loadl_epi64((const __m128i *)(weights + k / 2));
            __m256i w = _mm256_permutevar8x32_epi32(_mm256_castsi128_si256(two), lane_pairs);
            wide_sum = _mm256_add_epi32(wide_sum, _mm256_madd_epi16(_mm256_cvtepu8_epi16(pixels), w));
        }
        __m128i sum = _mm_add_epi32(rounding, _mm_add_epi32(_mm256_castsi256_si128(wide_sum),
                                                             _mm256_extracti128_si256(wide_sum, 1)));
        for (; k < count; k += 2) {
            sum = _mm_add_epi32(sum, _mm_madd_epi16(tap_pair(first + k * 4, k + 1 < count), _mm_set1_epi32(weights[k / 2])));
        }
        __m128i shifted = _mm_srai_epi32(sum, shift);
        __m128i packed = _mm_packus_epi16(_mm_packs_epi32(shifted, shifted), shifted);
        int32_t bytes = _mm_cvtsi128_si32(packed);
        memcpy(output + i * 4, &bytes, 4);
    }
}

#else
// Elsewhere only this answer exists: the Swift code calls the kernels on x86-64 only.
int cresample_has_avx2(void) { return 0; }
#endif
