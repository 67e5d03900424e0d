// A Huffman entropy decoder for sequential JPEGs decoded at 1/8, in place of libjpeg-turbo's own
// (jdhuff.c), for the one case where it is the whole cost: at 1/8 the inverse DCT of a full-resolution
// component reads only each block's DC coefficient, yet every AC coefficient must still be decoded to
// find where the next block starts. This decoder finds it with one table lookup per coefficient
// (code and extra bits together), where libjpeg-turbo 2.1 takes two steps, and keeps its fast path
// with restart markers too (libjpeg-turbo's decode_mcu falls back to its slow path whenever a file
// has a restart interval).
//
// It produces the same coefficients as libjpeg-turbo's decoder or none: anything it does not take
// in its stride (a bad code, data cut short, garbage before a restart marker, a marker inside the
// data) makes it call `decline`, which must not return (cjpeg_decode longjmps and decodes again with
// libjpeg's own decoder, which gives that file's usual warnings and errors). Facts relied on, from
// libjpeg-turbo 2.1.5's jdhuff.c, jdcoefct.c and jdapistd.c:
// - jpeg_start_decompress of a single-scan file runs the entropy decoder's start_pass (jdmaster.c's
//   master_selection) and decodes nothing; every MCU is then asked of `cinfo->entropy->decode_mcu`,
//   with the blocks zeroed (jdcoefct.c) or with NULL when the rows are being skipped (jdapistd.c);
// - a block's DC coefficient is stored when its component is needed, its AC coefficients only when
//   the component's IDCT is larger than 1x1 (start_pass_huff_decoder's dc_needed/ac_needed);
// - a zero run past coefficient 63 stores at 63 (jutils.c's jpeg_natural_order has 16 extra 63s).
#ifndef FAST_ENTROPY_H
#define FAST_ENTROPY_H
#include <stdio.h>
#include <jpeglib.h>

/// Replaces libjpeg's Huffman decoder of `cinfo` with the fast one, when the decode is one it takes:
/// a sequential, Huffman-coded, 8-bit image in one scan, scaled to 1/8, every component needed.
/// Call after jpeg_start_decompress, before any row is read. Its state lives in libjpeg's image pool
/// and `cinfo->client_data`.
/// - Returns: 1 when installed, 0 when libjpeg's decoder stays (nothing changed).
/// - Parameter decline: called, instead of returning, when the data is not what the fast decoder
///   takes; it must longjmp out (the decode is then redone without the fast decoder).
int fast_entropy_install(j_decompress_ptr cinfo, void (*decline)(j_decompress_ptr cinfo, const char *why));
#endif
