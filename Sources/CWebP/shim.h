// libwebp: decoding (scaled, into our memory), encoding (the advanced WebPConfig/WebPPicture API) and,
// from libwebpdemux, the animation decoder that composes an animated WebP's first frame. Every call
// reports errors by status code; nothing here needs a wrapper but the writer callback below.
#ifndef CWEBP_SHIM_H
#define CWEBP_SHIM_H
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

/// libwebp's memory writer as the picture's writer (a function pointer Swift cannot form from the
/// C declaration's macro-decorated type on every compiler).
static inline void cwebp_use_memory_writer(WebPPicture *picture, WebPMemoryWriter *writer) {
    WebPMemoryWriterInit(writer);
    picture->writer = WebPMemoryWrite;
    picture->custom_ptr = writer;
}
#endif
