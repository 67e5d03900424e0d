// See include/cjpeg_decode.h for why this file exists. Facts relied on here, from libjpeg-turbo
// 2.1's jpeglib.h, jerror.h and its libjpeg.txt:
// - a source manager whose fill_input_buffer finds no more data inserts a fake EOI marker and warns
//   (JWRN_JPEG_EOF), as jdatasrc.c does; decoding then goes on;
// - the entropy decoder warns JWRN_HIT_MARKER ("premature end of data segment") only when it needs
//   bits that are not there, and then decodes zeros (a grey remainder). After the data ran out that
//   warning means rows are missing; without it every row came from the file, EOI or not;
// - a progressive image's coef_bits[c][k] is -1 before coefficient k of component c was sent, then
//   the successive-approximation bit still to come (0 when complete);
// - a sequential image may send its components in separate scans; one never sent stays zero (grey);
// - the arithmetic decoder (jdarith.c) reads zeros past the data's end without any warning.
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "cjpeg_decode.h"
#include "fast_entropy.h"

typedef struct {
    struct jpeg_source_mgr pub;
    /// fill_input_buffer was called with nothing left: the file ended before libjpeg was done.
    int reached_end;
} memory_source;

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    cjpeg_result *result;
    memory_source *source;
    /// The fast entropy decoder declined the data: decode again with libjpeg's. Volatile: set between
    /// setjmp and longjmp, read after (C11 7.13.2.1).
    volatile int declined;
} error_manager;

typedef struct {
    struct jpeg_progress_mgr pub;
    int max_scans;
    /// Bit c set once component c appeared in a scan.
    unsigned int scanned_components;
} scan_progress;

static const JOCTET fake_eoi[2] = {0xFF, JPEG_EOI};

static void source_init(j_decompress_ptr cinfo) { (void)cinfo; }
static void source_term(j_decompress_ptr cinfo) { (void)cinfo; }

static boolean source_fill(j_decompress_ptr cinfo) {
    memory_source *source = (memory_source *)cinfo->src;
    source->reached_end = 1;
    WARNMS(cinfo, JWRN_JPEG_EOF);
    source->pub.next_input_byte = fake_eoi;
    source->pub.bytes_in_buffer = 2;
    return TRUE;
}

static void source_skip(j_decompress_ptr cinfo, long count) {
    memory_source *source = (memory_source *)cinfo->src;
    if (count <= 0) return;
    if ((size_t)count > source->pub.bytes_in_buffer) {
        // A segment longer than the rest of the file: it ended early (one fake EOI, not one per byte).
        source_fill(cinfo);
        return;
    }
    source->pub.next_input_byte += count;
    source->pub.bytes_in_buffer -= (size_t)count;
}

static void fail(j_common_ptr cinfo, cjpeg_status status) {
    error_manager *errors = (error_manager *)cinfo->err;
    errors->result->status = status;  // in memory the caller owns: nothing to restore after longjmp
    longjmp(errors->jump, 1);
}

__attribute__((noreturn)) static void decline_fast_entropy(j_decompress_ptr cinfo, const char *why) {
    error_manager *errors = (error_manager *)cinfo->err;
    errors->declined = 1;
    snprintf(errors->result->message, sizeof errors->result->message, "%s", why);
    longjmp(errors->jump, 1);
}

static void on_error(j_common_ptr cinfo) {
    error_manager *errors = (error_manager *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, errors->result->message);
    int code = cinfo->err->msg_code;
    if (code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED || code == JERR_CONVERSION_NOTIMPL) {
        fail(cinfo, CJPEG_UNSUPPORTED);
    }
    // Any error after the data ran out (no image, a half segment) is the missing data's fault.
    fail(cinfo, errors->source->reached_end ? CJPEG_TRUNCATED : CJPEG_CORRUPT);
}

static void on_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    error_manager *errors = (error_manager *)cinfo->err;
    cinfo->err->num_warnings++;
    if (errors->result->warnings++ == 0) {
        (*cinfo->err->format_message)(cinfo, errors->result->message);
    }
    if (cinfo->err->msg_code == JWRN_HIT_MARKER) {
        // The entropy decoder wanted bits that are not there and decodes zeros from here on. After
        // the file ended, rows are missing. Before it (a marker inside the data), only the last iMCU
        // row of a scan is let through: encoders that pad their final bits short leave a few grey
        // blocks at most, and libjpeg, Pillow and libvips accept such files; anywhere else rows are lost.
        j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
        int last_row = dinfo->input_iMCU_row + 1 >= dinfo->total_iMCU_rows;
        if (errors->source->reached_end || !last_row) {
            (*cinfo->err->format_message)(cinfo, errors->result->message);
            errors->result->rows_decoded = dinfo->output_scanline;
            fail(cinfo, errors->source->reached_end ? CJPEG_TRUNCATED : CJPEG_CORRUPT);
        }
    }
}

static void on_progress(j_common_ptr cinfo) {
    scan_progress *limit = (scan_progress *)cinfo->progress;
    j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
    for (int i = 0; i < dinfo->comps_in_scan; i++) {
        if (dinfo->cur_comp_info[i] != NULL) {
            limit->scanned_components |= 1u << (dinfo->cur_comp_info[i]->component_index & 31);
        }
    }
    if (dinfo->input_scan_number > limit->max_scans) {
        error_manager *errors = (error_manager *)cinfo->err;
        snprintf(errors->result->message, sizeof errors->result->message,
                 "more than %d", limit->max_scans);
        fail(cinfo, CJPEG_TOO_MANY_SCANS);
    }
}

/// Whether the scans read so far hold the whole image: for a progressive one, every coefficient of
/// every component at full precision; for a sequential one, every component in some scan.
static int scans_complete(j_decompress_ptr cinfo, const scan_progress *progress) {
    if (!cinfo->progressive_mode) {
        return progress->scanned_components == (1u << cinfo->num_components) - 1;
    }
    if (cinfo->coef_bits == NULL) return 0;
    for (int component = 0; component < cinfo->num_components; component++) {
        for (int k = 0; k < DCTSIZE2; k++) {
            if (cinfo->coef_bits[component][k] != 0) return 0;
        }
    }
    return 1;
}

static void source_start(memory_source *source, const unsigned char *data, size_t size) {
    memset(source, 0, sizeof *source);
    source->pub.init_source = source_init;
    source->pub.fill_input_buffer = source_fill;
    source->pub.skip_input_data = source_skip;
    source->pub.resync_to_restart = jpeg_resync_to_restart;
    source->pub.term_source = source_term;
    source->pub.next_input_byte = data;
    source->pub.bytes_in_buffer = size;
}

int cjpeg_scaled_block_sizes(const unsigned char *data, size_t size, int scale_denominator, int *sizes, int capacity) {
    struct jpeg_decompress_struct cinfo;
    error_manager errors;
    memory_source source;
    cjpeg_result result;
    memset(&result, 0, sizeof result);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&errors.pub);
    errors.pub.error_exit = on_error;
    errors.pub.emit_message = on_message;
    errors.result = &result;
    errors.source = &source;
    source_start(&source, data, size);
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.src = &source.pub;
    jpeg_read_header(&cinfo, TRUE);  // the markers up to the first scan's header: no entropy-coded data
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)scale_denominator;
    jpeg_calc_output_dimensions(&cinfo);
    int count = cinfo.num_components;
    if (count > capacity) count = -1;
    for (int component = 0; component >= 0 && component < count; component++) {
#if JPEG_LIB_VERSION >= 70
        sizes[component] = cinfo.comp_info[component].DCT_h_scaled_size;  // the 7/8 API (Ubuntu's libjpeg-turbo8)
#else
        sizes[component] = cinfo.comp_info[component].DCT_scaled_size;
#endif
    }
    jpeg_destroy_decompress(&cinfo);
    return count;
}

/// One decode; `fast` allows fast_entropy. Returns 0 when that declined the data (nothing is decided).
static int decode(const cjpeg_request *request, cjpeg_result *result, int fast) {
    struct jpeg_decompress_struct cinfo;
    error_manager errors;
    memory_source source;
    scan_progress limit;
    memset(result, 0, sizeof *result);
    memset(&cinfo, 0, sizeof cinfo);
    memset(&limit, 0, sizeof limit);
    source_start(&source, request->data, request->size);

    cinfo.err = jpeg_std_error(&errors.pub);
    errors.pub.error_exit = on_error;
    errors.pub.emit_message = on_message;
    errors.result = result;
    errors.source = &source;
    errors.declined = 0;
    if (setjmp(errors.jump)) {
        // fail() set result->status, or the fast decoder declined.
        jpeg_destroy_decompress(&cinfo);  // safe on a half-made struct: it checks cinfo.mem
        return !errors.declined;
    }
    jpeg_create_decompress(&cinfo);

    cinfo.src = &source.pub;
    limit.pub.progress_monitor = on_progress;
    limit.max_scans = request->max_scans;
    cinfo.progress = &limit.pub;

    jpeg_read_header(&cinfo, TRUE);
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)request->scale_denominator;
    // Block smoothing estimates the coefficients of a progressive image that were not sent (libjpeg
    // 6b's jdcoefct.c; libjpeg-turbo 2.1 also adjusts DC from neighbouring blocks). A file whose unread
    // AC scans were left out (JPEGScans) must decode exactly as the whole file does, which, complete,
    // never needs smoothing: so it is off there, and libjpeg's default everywhere else.
    if (request->scans_left_out) cinfo.do_block_smoothing = FALSE;
    int channels = 4;
    switch (request->output) {
    case CJPEG_OUT_GRAY: cinfo.out_color_space = JCS_GRAYSCALE; channels = 1; break;
    case CJPEG_OUT_RGBA: cinfo.out_color_space = JCS_EXT_RGBA; break;
    case CJPEG_OUT_CMYK: cinfo.out_color_space = JCS_CMYK; break;
    }
    // For a multi-scan image this reads every scan into the coefficient buffer before returning.
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_width != request->width || cinfo.output_height != request->height
        || cinfo.output_components != channels) {
        snprintf(result->message, sizeof result->message, "libjpeg decodes %ux%u x %d, not %ux%u x %d",
                 cinfo.output_width, cinfo.output_height, cinfo.output_components, request->width,
                 request->height, channels);
        fail((j_common_ptr)&cinfo, CJPEG_SIZE_MISMATCH);
    }
    if (source.reached_end && (cinfo.arith_code || (jpeg_has_multiple_scans(&cinfo) && !scans_complete(&cinfo, &limit)))) {
        // The data ran out before the last scan (or, for arithmetic coding, which reads zeros past
        // the end without a word, anywhere: such a file is refused even when only EOI is missing).
        snprintf(result->message, sizeof result->message,
                 "the JPEG ends before its last scan (Premature end of JPEG file)");
        fail((j_common_ptr)&cinfo, CJPEG_TRUNCATED);
    }
    JDIMENSION first_row = 0, end_row = cinfo.output_height;
    result->crop_x = 0;
    result->crop_width = cinfo.output_width;
    if (request->crop_width > 0 || request->rows > 0) {
        JDIMENSION x = request->crop_x, width = request->crop_width > 0 ? request->crop_width : cinfo.output_width;
        if (x + width > cinfo.output_width || width == 0
            || (request->rows > 0 && request->skip_rows + request->rows > cinfo.output_height)) {
            snprintf(result->message, sizeof result->message, "the part %ux%u+%u+%u is not inside %ux%u", width,
                     request->rows, x, request->skip_rows, cinfo.output_width, cinfo.output_height);
            fail((j_common_ptr)&cinfo, CJPEG_SIZE_MISMATCH);
        }
        if (x > 0 || width < cinfo.output_width) {
            jpeg_crop_scanline(&cinfo, &x, &width);  // output_width is the part's from here on
            result->crop_x = x;
            result->crop_width = width;
        }
        if (request->rows > 0) {
            first_row = request->skip_rows;
            end_row = first_row + request->rows;
        }
    }
    size_t stride = (size_t)result->crop_width * (size_t)channels;
    if (stride * (end_row - first_row) > request->pixels_capacity) {
        snprintf(result->message, sizeof result->message, "%ux%u x %d is more than the %zu bytes given",
                 result->crop_width, end_row - first_row, channels, request->pixels_capacity);
        fail((j_common_ptr)&cinfo, CJPEG_SIZE_MISMATCH);
    }
    if (fast) result->fast_entropy = fast_entropy_install(&cinfo, decline_fast_entropy);
    if (first_row > 0) jpeg_skip_scanlines(&cinfo, first_row);
    while (cinfo.output_scanline < end_row) {
        JSAMPROW rows[16];
        JDIMENSION count = end_row - cinfo.output_scanline;
        if (count > 16) count = 16;
        for (JDIMENSION i = 0; i < count; i++) {
            rows[i] = request->pixels + (size_t)(cinfo.output_scanline - first_row + i) * stride;
        }
        jpeg_read_scanlines(&cinfo, rows, count);
    }
    if (source.reached_end && cinfo.arith_code) {
        snprintf(result->message, sizeof result->message,
                 "the arithmetic-coded JPEG ends early (Premature end of JPEG file)");
        fail((j_common_ptr)&cinfo, CJPEG_TRUNCATED);
    }
    result->rows_decoded = end_row;
    result->status = CJPEG_OK;
    // No jpeg_finish_decompress: every row asked for is out, and what follows (the rows below a part,
    // a missing EOI, a phone's appended video) is none of the image's business.
    jpeg_destroy_decompress(&cinfo);
    return 1;
}

void cjpeg_decode(const cjpeg_request *request, cjpeg_result *result) {
    if (!decode(request, result, !request->libjpeg_entropy)) decode(request, result, 0);
}
