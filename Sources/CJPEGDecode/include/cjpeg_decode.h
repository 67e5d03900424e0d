// JPEG decoding through libjpeg's own API (jpeglib.h of libjpeg-turbo), not TurboJPEG: TurboJPEG 2.1
// turns every libjpeg warning into a failure and cannot say at which row data ran out, so a complete
// JPEG with a harmless warning, or without its final EOI marker, looked truncated. libjpeg reports
// errors by longjmp, which must never cross a Swift frame: the whole decode, setjmp included, runs in
// this one C function and comes back as a status.
#ifndef CJPEG_DECODE_H
#define CJPEG_DECODE_H
#include <stddef.h>

/// How a decode ended.
typedef enum {
    /// Every output row was produced from the file's data (warnings, if any, were harmless).
    CJPEG_OK = 0,
    /// The data ran out before the image did: rows (or a progressive image's refinement scans) are missing.
    CJPEG_TRUNCATED = 1,
    /// libjpeg refused the data (a bad marker, a bad Huffman table...).
    CJPEG_CORRUPT = 2,
    /// Valid JPEG that libjpeg-turbo's 8-bit build does not decode (12-bit samples, lossless).
    CJPEG_UNSUPPORTED = 3,
    /// A progressive image with more scans than the request allows (a CPU-exhaustion attack).
    CJPEG_TOO_MANY_SCANS = 4,
    /// The caller's output buffer does not match libjpeg's scaled size.
    CJPEG_SIZE_MISMATCH = 5,
} cjpeg_status;

/// The pixel layout asked for.
typedef enum {
    CJPEG_OUT_GRAY = 0,  ///< 1 byte a pixel (grayscale JPEGs)
    CJPEG_OUT_RGBA = 1,  ///< 4 bytes a pixel, alpha 255 (libjpeg-turbo's JCS_EXT_RGBA)
    CJPEG_OUT_CMYK = 2,  ///< 4 bytes a pixel, CMYK as stored (YCCK is turned into CMYK)
} cjpeg_output;

typedef struct {
    const unsigned char *data;  ///< the whole file
    size_t size;
    int scale_denominator;      ///< 1, 2, 4 or 8: DCT-domain shrink-on-load
    cjpeg_output output;
    unsigned char *pixels;      ///< width x height x channels bytes, rows packed
    unsigned int width;         ///< the expected scaled size: ceil(source / denominator)
    unsigned int height;
    int max_scans;              ///< a progressive image with more scans is refused (TurboJPEG's limit is 500)
    /// A part of the scaled image to decode, or all of it when `crop_width` and `rows` are 0: columns
    /// from `crop_x` (libjpeg moves the start left to an iMCU boundary and widens the part to match:
    /// `jpeg_crop_scanline`), rows `skip_rows..<skip_rows + rows` (`jpeg_skip_scanlines` above them,
    /// nothing decoded below). The pixels are then the part's, rows packed at its actual width.
    unsigned int crop_x;
    unsigned int crop_width;
    unsigned int skip_rows;
    unsigned int rows;
    size_t pixels_capacity;     ///< bytes at `pixels`
    /// Nonzero when the caller left scans out of `data` (AC scans a 1/8 decode never reads): block
    /// smoothing is then turned off, or it would estimate the left-out coefficients.
    int scans_left_out;
    /// Nonzero: libjpeg's own Huffman decoder even where ours (fast_entropy.c: sequential files in
    /// one scan) would decode; the tests and a fuzz target compare the two.
    int libjpeg_entropy;
} cjpeg_request;

typedef struct {
    cjpeg_status status;
    /// The output rows produced from real data before the data ran out (CJPEG_TRUNCATED), else height.
    unsigned int rows_decoded;
    /// libjpeg's warnings seen (extraneous bytes, a bad SOS, a missing EOI...), harmless when OK.
    int warnings;
    /// The error's text, or the first warning's when the status is CJPEG_OK.
    char message[200];
    /// The columns decoded: `crop_x` and `crop_width` as libjpeg aligned them (0 and the width when whole).
    unsigned int crop_x;
    unsigned int crop_width;
    /// Nonzero when the fast Huffman decoder (fast_entropy.c) decoded the image, not libjpeg's.
    int fast_entropy;
} cjpeg_result;

/// The inverse DCT size libjpeg chooses for each component (in frame order) at 1/`scale_denominator`:
/// `DCT_scaled_size`, 1 to 8 samples a block side (jdmaster.c's jpeg_calc_output_dimensions). Size 1
/// reads only each block's DC coefficient (jidctred.c's jpeg_idct_1x1); subsampled components get a
/// larger one at 1/8, so that no upsampling is needed, and read AC coefficients too. Reads the markers
/// up to the first scan only. Returns the component count, or -1 when the header cannot be read or
/// has more than `capacity` components.
int cjpeg_scaled_block_sizes(const unsigned char *data, size_t size, int scale_denominator, int *sizes, int capacity);

/// Decodes `request->data` into `request->pixels`. Never longjmps out; never reads past `size`.
void cjpeg_decode(const cjpeg_request *request, cjpeg_result *result);
#endif
