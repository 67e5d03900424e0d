// libheif (HEIC and AVIF: HEVC through libde265, AV1 through dav1d or libaom; AVIF written by libaom).
// Errors come back as `struct heif_error` values; nothing here longjmps or is variadic. libheif's API
// is opaque handles and versioned option structs, so one binary runs against libheif 1.12 to 1.17
// (Ubuntu 22.04 to 24.04, Debian 12), unlike libavif, whose soname changes with each release.
//
// libheif is loaded on first use (dlopen of libheif.so.1, cheif_load.c), not at start: most runs of
// thumbctl never read a HEIF, and libheif with its codecs (libde265, x265, libaom, dav1d) and libcurl's
// libraries made half of its start (see CCurl's header). The functions of heif.h that thumbd calls are
// defined in cheif_load.c, each forwarding to libheif's own: call `cheif_load` first.
#ifndef CHEIF_H
#define CHEIF_H
#include <libheif/heif.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/// Loads libheif.so.1 and looks up every function thumbd calls, once per process (thread-safe).
/// Returns 1 when they are all there, else 0, and `cheif_load_error` says why. A heif_* function
/// called when this has failed aborts the process: callers check first.
int cheif_load(void);

/// Why `cheif_load` failed (dlopen's or dlsym's words); "" when it has not.
const char *cheif_load_error(void);

/// libheif's function `name`, or NULL when this libheif has none (or is not loaded): for what only
/// some versions have.
void *cheif_optional_function(const char *name);

/// Decodes grid tiles on the calling thread (libheif 1.13 and later; 1.12, Ubuntu 22.04's, has no
/// such setting and keeps its 4 threads). Looked up at run time, so one binary runs on both.
static inline void cheif_decode_on_calling_thread(struct heif_context *context) {
    typedef void (*setter)(struct heif_context *, int);
    setter set = (setter)cheif_optional_function("heif_context_set_max_decoding_threads");
    if (set != NULL) set(context, 0);
}

/// A growing memory buffer for `heif_context_write`.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
    int failed;
} cheif_buffer;

static inline struct heif_error cheif_buffer_write(struct heif_context *context, const void *data, size_t size, void *user) {
    (void)context;
    cheif_buffer *buffer = (cheif_buffer *)user;
    struct heif_error ok = {heif_error_Ok, heif_suberror_Unspecified, "ok"};
    struct heif_error full = {heif_error_Memory_allocation_error, heif_suberror_Unspecified, "out of memory"};
    if (size > buffer->capacity - buffer->size) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity - buffer->size < size) {
            if (capacity > SIZE_MAX / 2) { buffer->failed = 1; return full; }
            capacity *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(buffer->data, capacity);
        if (grown == NULL) { buffer->failed = 1; return full; }
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, data, size);
    buffer->size += size;
    return ok;
}

/// Writes `context` into `buffer` (free `buffer->data` with free()).
static inline struct heif_error cheif_write_to_buffer(struct heif_context *context, cheif_buffer *buffer) {
    struct heif_writer writer;
    writer.writer_api_version = 1;
    writer.write = cheif_buffer_write;
    return heif_context_write(context, &writer, buffer);
}
#endif
