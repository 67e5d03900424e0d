#include "cgif_decode.h"

#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} reader;

// giflib's input callback: copies what is left, fewer bytes than asked at the end (giflib then
// reports D_GIF_ERR_READ_FAILED or D_GIF_ERR_EOF_TOO_SOON).
static int read_memory(GifFileType *gif, GifByteType *out, int length) {
    reader *source = (reader *)gif->UserData;
    size_t left = source->size - source->offset;
    size_t count = length < 0 ? 0 : (size_t)length;
    if (count > left) count = left;
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
    return (int)count;
}

static cgif_status status_for(int error) {
    switch (error) {
    case D_GIF_ERR_READ_FAILED:
    case D_GIF_ERR_EOF_TOO_SOON:
        return CGIF_TRUNCATED;
    case D_GIF_ERR_NOT_ENOUGH_MEM:
        return CGIF_NO_MEMORY;
    default:
        return CGIF_CORRUPT;
    }
}

static GifFileType *open_gif(const uint8_t *data, size_t size, reader *source, cgif_result *result) {
    memset(result, 0, sizeof *result);
    source->data = data;
    source->size = size;
    source->offset = 0;
    int error = 0;
    GifFileType *gif = DGifOpen(source, read_memory, &error);
    if (gif == NULL) {
        result->status = status_for(error);
        result->gif_error = error;
        return NULL;
    }
    result->width = (uint32_t)(gif->SWidth > 0 ? gif->SWidth : 0);
    result->height = (uint32_t)(gif->SHeight > 0 ? gif->SHeight : 0);
    return gif;
}

void cgif_probe(const uint8_t *data, size_t size, cgif_result *result) {
    reader source;
    GifFileType *gif = open_gif(data, size, &source, result);
    if (gif != NULL) DGifCloseFile(gif, NULL);
}

static void fail(GifFileType *gif, cgif_result *result) {
    result->gif_error = gif->Error;
    result->status = status_for(gif->Error);
}

void cgif_decode_first_frame(const uint8_t *data, size_t size, uint8_t *rgba, uint32_t width, uint32_t height,
                             uint64_t max_frame_pixels, cgif_result *result) {
    reader source;
    GifFileType *gif = open_gif(data, size, &source, result);
    if (gif == NULL) return;
    if (result->width != width || result->height != height) {
        result->status = CGIF_CORRUPT;
        DGifCloseFile(gif, NULL);
        return;
    }
    memset(rgba, 0, (size_t)width * height * 4);
    int transparent = NO_TRANSPARENT_COLOR;
    GifRecordType record;
    for (;;) {
        if (DGifGetRecordType(gif, &record) == GIF_ERROR) {
            fail(gif, result);
            break;
        }
        if (record == TERMINATE_RECORD_TYPE) {
            // A GIF with no image at all.
            result->status = CGIF_CORRUPT;
            result->gif_error = D_GIF_ERR_NO_IMAG_DSCR;
            break;
        }
        if (record == EXTENSION_RECORD_TYPE) {
            int code = 0;
            GifByteType *block = NULL;
            if (DGifGetExtension(gif, &code, &block) == GIF_ERROR) {
                fail(gif, result);
                break;
            }
            if (code == GRAPHICS_EXT_FUNC_CODE && block != NULL) {
                GraphicsControlBlock control;
                if (DGifExtensionToGCB(block[0], block + 1, &control) == GIF_OK) transparent = control.TransparentColor;
            }
            int ok = 1;
            while (block != NULL) {
                if (DGifGetExtensionNext(gif, &block) == GIF_ERROR) {
                    ok = 0;
                    break;
                }
            }
            if (!ok) {
                fail(gif, result);
                break;
            }
            continue;
        }
        if (record != IMAGE_DESC_RECORD_TYPE) continue;

        if (DGifGetImageDesc(gif) == GIF_ERROR) {
            fail(gif, result);
            break;
        }
        GifImageDesc *frame = &gif->Image;
        ColorMapObject *map = frame->ColorMap != NULL ? frame->ColorMap : gif->SColorMap;
        if (map == NULL || frame->Width <= 0 || frame->Height <= 0 || frame->Left < 0 || frame->Top < 0) {
            result->status = CGIF_CORRUPT;
            result->gif_error = D_GIF_ERR_NO_COLOR_MAP;
            break;
        }
        int frameWidth = frame->Width, frameHeight = frame->Height;
        if ((uint64_t)frameWidth * (uint64_t)frameHeight > max_frame_pixels) {
            result->status = CGIF_FRAME_TOO_LARGE;
            break;
        }
        GifPixelType *line = malloc((size_t)frameWidth);
        if (line == NULL) {
            result->status = CGIF_NO_MEMORY;
            break;
        }
        // Interlaced frames send rows in four passes (GIF89a, appendix E): every 8th from 0, every
        // 8th from 4, every 4th from 2, every 2nd from 1.
        static const int starts[4] = {0, 4, 2, 1}, steps[4] = {8, 8, 4, 2};
        int passes = frame->Interlace ? 4 : 1;
        int covered = frame->Left == 0 && frame->Top == 0 && (uint32_t)frameWidth >= width && (uint32_t)frameHeight >= height;
        int anyTransparent = 0;
        int failed = 0;
        for (int pass = 0; pass < passes && !failed; pass++) {
            int start = frame->Interlace ? starts[pass] : 0, step = frame->Interlace ? steps[pass] : 1;
            for (int row = start; row < frameHeight; row += step) {
                if (DGifGetLine(gif, line, frameWidth) == GIF_ERROR) {
                    failed = 1;
                    break;
                }
                uint32_t y = (uint32_t)frame->Top + (uint32_t)row;
                if (y >= height || (uint32_t)frame->Left >= width) continue;
                uint8_t *out = rgba + ((size_t)y * width + (uint32_t)frame->Left) * 4;
                for (int x = 0; x < frameWidth && (uint32_t)frame->Left + (uint32_t)x < width; x++, out += 4) {
                    int index = line[x];
                    if (index == transparent) {
                        anyTransparent = 1;
                        continue;  // stays (0, 0, 0, 0)
                    }
                    // An index past the colour map: black, as browsers and giflib's own tools show it.
                    if (index < map->ColorCount) {
                        out[0] = map->Colors[index].Red;
                        out[1] = map->Colors[index].Green;
                        out[2] = map->Colors[index].Blue;
                    }
                    out[3] = 255;
                }
            }
        }
        free(line);
        if (failed) {
            fail(gif, result);
            break;
        }
        result->has_alpha = anyTransparent || !covered;
        result->status = CGIF_OK;
        break;
    }
    DGifCloseFile(gif, NULL);
}
