// The Lanczos inner loops with AVX2, for x86-64 processors that have it (Haswell, 2013, and later:
// every current EC2 instance type), chosen at run time so one binary still runs on plain x86-64.
// Same fixed-point arithmetic as the SSE2 kernels in Swift (LanczosKernelsSSE2): pmaddwd over taps
// paired as `w[k] | w[k+1] << 16` (LanczosWeights.pairs), 32-bit sums from a rounding half, an
// arithmetic shift by `shift`, saturation to 0...255; integer sums, so the bytes are the same.
// Swift cannot compile AVX2 intrinsics for one function only (it has no `target` attribute), hence C.
#ifndef CRESAMPLE_H
#define CRESAMPLE_H
#include <stdint.h>

/// 1 when the processor and the operating system support AVX2 (CPUID leaf 7 and the YMM state
/// enabled in XCR0), else 0; always 0 off x86-64.
int cresample_has_avx2(void);

/// The vertical pass's output row (x86-64 only, where `cresample_has_avx2`): bytes `0 ..< n` of `output`, with n the largest multiple of 32
/// not above `row_bytes`, returned (the caller finishes the rest). Input rows `first`,
/// `first + row_bytes`, ... (`count` of them); `pairs` holds the row's `(count + 1) / 2` weight pairs.
long cresample_vertical_row_avx2(const uint8_t *first, long row_bytes, long count, const int32_t *pairs,
                                 int shift, uint8_t *output);

/// The horizontal pass over one RGBA row (x86-64 only, where `cresample_has_avx2`): output pixel `i` (0 ..< `column_count`) is column
/// `first_column + i` of the whole resize, whose taps start at source column `starts[x]`, which is
/// pixel `starts[x] - origin_x` of `row`; `row` holds `row_pixels` pixels, none read past.
void cresample_horizontal_row_avx2(const uint8_t *row, long row_pixels, const long *starts, const long *counts,
                                   const int32_t *pairs, const long *pair_offsets, long first_column,
                                   long column_count, long origin_x, int shift, uint8_t *output);
#endif
