// libpng's simplified API (png_image): it reports errors in `png_image.message` and a zero return,
// so no longjmp ever crosses a Swift frame. zlib inflates the compressed iCCP profile chunk.
#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
#include <stdio.h>
#include <png.h>
#include <zlib.h>

/// PNG_IMAGE_ROW_STRIDE and PNG_IMAGE_SIZE are macros Swift cannot import.
static inline unsigned int cpng_row_stride(const png_image *image) {
    return PNG_IMAGE_ROW_STRIDE(*image);
}

/// Composite format macros Swift cannot import.
static inline png_uint_32 cpng_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline png_uint_32 cpng_format_gray(void) { return PNG_FORMAT_GRAY; }

/// zlib's uncompress with the lengths as size_t; returns Z_OK, Z_BUF_ERROR or Z_DATA_ERROR.
static inline int cpng_inflate(unsigned char *dest, size_t *destLen, const unsigned char *source, size_t sourceLen) {
    uLongf length = (uLongf)*destLen;
    int result = uncompress(dest, &length, source, (uLong)sourceLen);
    *destLen = (size_t)length;
    return result;
}
#endif
