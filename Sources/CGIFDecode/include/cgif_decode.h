// The first frame of a GIF through giflib, into an RGBA canvas of the logical screen's size. giflib
// reads through a callback and reports errors by code, so everything stays in C and no error path
// crosses a Swift frame. Only the first image is read: the rest of an animation is never decoded.
#ifndef CGIF_DECODE_H
#define CGIF_DECODE_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CGIF_OK = 0,
    CGIF_TRUNCATED = 1,   // the data ends before the first frame does
    CGIF_CORRUPT = 2,     // not a GIF giflib can read, or no image in it
    CGIF_NO_MEMORY = 3,
    CGIF_FRAME_TOO_LARGE = 4, // the first frame is over the pixel limit
} cgif_status;

typedef struct {
    cgif_status status;
    /// giflib's error code (D_GIF_ERR_*), 0 when none.
    int gif_error;
    /// The logical screen: the canvas size every frame is placed on.
    uint32_t width, height;
    /// Whether any pixel of the canvas is transparent (a transparent index, or a first frame that
    /// does not cover the screen).
    int has_alpha;
} cgif_result;

/// Reads the screen descriptor only: `width`, `height` and `status`.
void cgif_probe(const uint8_t *data, size_t size, cgif_result *result);

/// Decodes the first frame onto `rgba` (width * height * 4 bytes, the screen's size from
/// `cgif_probe`): pixels outside the frame and those of its transparent index are (0, 0, 0, 0), as
/// browsers show them (the screen's background colour is ignored, as browsers do). Interlaced
/// frames are put back in row order; a frame reaching past the screen is clipped to it, but one of
/// more than `max_frame_pixels` is refused (CGIF_FRAME_TOO_LARGE: all its rows would be decoded).
void cgif_decode_first_frame(const uint8_t *data, size_t size, uint8_t *rgba, uint32_t width, uint32_t height,
                             uint64_t max_frame_pixels, cgif_result *result);
#endif
