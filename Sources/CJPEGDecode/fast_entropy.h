// A Huffman entropy decoder for sequential JPEGs, in place of libjpeg-turbo's own (jdhuff.c): the same
// coefficients, found faster. One table lookup gives a coefficient's code and extra bits together (when
// they fit in 11 bits; longer ones take a slower path), where libjpeg-turbo 2.1 takes two steps. At 1/8
// the inverse DCT of a full-resolution component reads only each block's DC coefficient, yet every AC
// coefficient must still be decoded to find where the next block starts: there one lookup skips as
// many coefficients as 11 bits hold. The bit buffer stays in registers, and restart markers keep the
// fast path (libjpeg-turbo's decode_mcu takes its slow path for every MCU of a file that has them).
//
// It produces libjpeg's coefficients or none: anything it does not take in its stride (a bad code,
// data cut short, data left or a wrong marker where a restart marker is due, a marker inside the data)
// makes it call `decline`, which must not return (cjpeg_decode longjmps and decodes again with libjpeg's
// own decoder, which gives that file's usual warnings and errors). One difference is left: libjpeg
// warns "Premature end of JPEG file" when its read-ahead reaches the end of a file without EOI; this
// decoder reads no further than it decodes and does not (the verdict and the pixels are the same).
// Facts relied on, from libjpeg-turbo 2.1.5's jdhuff.c, jdcoefct.c, jdapistd.c and jdmarker.c:
// - jpeg_start_decompress of a single-scan file runs the entropy decoder's start_pass (jdmaster.c's
//   master_selection) and decodes nothing; every MCU is then asked of `cinfo->entropy->decode_mcu`,
//   with the blocks zeroed (jdcoefct.c) or with NULL when the rows are being skipped (jdapistd.c);
//   nothing else reads the entropy decoder's state;
// - a block's DC coefficient is stored when its component is needed, its AC coefficients only when
//   the component's IDCT is larger than 1x1 (start_pass_huff_decoder's dc_needed/ac_needed);
// - a zero run past coefficient 63 stores at 63 (jutils.c's jpeg_natural_order has 16 extra 63s);
// - fill bytes (0xFF) before a restart marker are skipped without a warning (jpeg_fill_bit_buffer;
//   libjpeg-turbo decodes every MCU of a file with restart markers in its slow path).
// The whole file must be in the source manager's buffer (cjpeg_decode's memory source): the decoder
// reads from `next_input_byte` to `bytes_in_buffer` and never calls `fill_input_buffer`.
#ifndef FAST_ENTROPY_H
#define FAST_ENTROPY_H
#include <stdio.h>
#include <jpeglib.h>

/// Replaces libjpeg's Huffman decoder of `cinfo` (`cinfo->entropy`) with the fast one, when the decode
/// is one it takes: a sequential, Huffman-coded, 8-bit image in one scan with every component, at any
/// scale, every component needed. Call after jpeg_start_decompress (and jpeg_crop_scanline, if any),
/// before any row is read or skipped. Its state (about 170 KB of tables) lives in libjpeg's image pool.
/// - Returns: 1 when installed, 0 when libjpeg's decoder stays (nothing changed).
/// - Parameter decline: called, instead of returning, when the data is not what the fast decoder
///   takes; it must longjmp out (the decode is then redone without the fast decoder).
int fast_entropy_install(j_decompress_ptr cinfo, void (*decline)(j_decompress_ptr cinfo, const char *why));
#endif
