// libheif on first use (the mechanism: CDynamicLibrary's header). Every function listed is in libheif
// 1.12, the oldest we run on.
#include "cheif.h"

#include <dlfcn.h>
#include <dynamic_library.h>

#define CHEIF_FUNCTIONS(X, V, P) \
    X(struct heif_context *, heif_context_alloc, (void), ()) \
    V(heif_context_free, (struct heif_context *a), (a)) \
    X(struct heif_error, heif_context_encode_image, \
      (struct heif_context *a, const struct heif_image *b, struct heif_encoder *c, const struct heif_encoding_options *d, \
       struct heif_image_handle **e), (a, b, c, d, e)) \
    X(struct heif_error, heif_context_get_encoder, \
      (struct heif_context *a, const struct heif_encoder_descriptor *b, struct heif_encoder **c), (a, b, c)) \
    X(int, heif_context_get_encoder_descriptors, \
      (struct heif_context *a, enum heif_compression_format b, const char *c, const struct heif_encoder_descriptor **d, int e), \
      (a, b, c, d, e)) \
    X(struct heif_error, heif_context_get_primary_image_handle, (struct heif_context *a, struct heif_image_handle **b), (a, b)) \
    X(struct heif_error, heif_context_read_from_memory_without_copy, \
      (struct heif_context *a, const void *b, size_t c, const struct heif_reading_options *d), (a, b, c, d)) \
    V(heif_context_set_maximum_image_size_limit, (struct heif_context *a, int b), (a, b)) \
    X(struct heif_error, heif_context_write, (struct heif_context *a, struct heif_writer *b, void *c), (a, b, c)) \
    X(struct heif_error, heif_decode_image, \
      (const struct heif_image_handle *a, struct heif_image **b, enum heif_colorspace c, enum heif_chroma d, \
       const struct heif_decoding_options *e), (a, b, c, d, e)) \
    X(struct heif_decoding_options *, heif_decoding_options_alloc, (void), ()) \
    V(heif_decoding_options_free, (struct heif_decoding_options *a), (a)) \
    V(heif_encoder_release, (struct heif_encoder *a), (a)) \
    X(struct heif_error, heif_encoder_set_lossy_quality, (struct heif_encoder *a, int b), (a, b)) \
    X(struct heif_error, heif_encoder_set_parameter_integer, (struct heif_encoder *a, const char *b, int c), (a, b, c)) \
    X(struct heif_error, heif_encoder_set_parameter_string, (struct heif_encoder *a, const char *b, const char *c), (a, b, c)) \
    X(int, heif_have_decoder_for_format, (enum heif_compression_format a), (a)) \
    X(struct heif_error, heif_image_add_plane, (struct heif_image *a, enum heif_channel b, int c, int d, int e), (a, b, c, d, e)) \
    X(struct heif_error, heif_image_create, \
      (int a, int b, enum heif_colorspace c, enum heif_chroma d, struct heif_image **e), (a, b, c, d, e)) \
    X(int, heif_image_get_bits_per_pixel_range, (const struct heif_image *a, enum heif_channel b), (a, b)) \
    X(int, heif_image_get_height, (const struct heif_image *a, enum heif_channel b), (a, b)) \
    X(int, heif_image_get_width, (const struct heif_image *a, enum heif_channel b), (a, b)) \
    X(uint8_t *, heif_image_get_plane, (struct heif_image *a, enum heif_channel b, int *c), (a, b, c)) \
    X(const uint8_t *, heif_image_get_plane_readonly, (const struct heif_image *a, enum heif_channel b, int *c), (a, b, c)) \
    X(int, heif_image_has_channel, (const struct heif_image *a, enum heif_channel b), (a, b)) \
    V(heif_image_release, (const struct heif_image *a), (a)) \
    X(struct heif_error, heif_image_set_nclx_color_profile, \
      (struct heif_image *a, const struct heif_color_profile_nclx *b), (a, b)) \
    X(enum heif_color_profile_type, heif_image_handle_get_color_profile_type, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_get_width, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_get_height, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_get_ispe_width, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_get_ispe_height, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_get_luma_bits_per_pixel, (const struct heif_image_handle *a), (a)) \
    X(struct heif_error, heif_image_handle_get_nclx_color_profile, \
      (const struct heif_image_handle *a, struct heif_color_profile_nclx **b), (a, b)) \
    X(int, heif_image_handle_get_number_of_thumbnails, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_get_list_of_thumbnail_IDs, (const struct heif_image_handle *a, heif_item_id *b, int c), (a, b, c)) \
    X(struct heif_error, heif_image_handle_get_thumbnail, \
      (const struct heif_image_handle *a, heif_item_id b, struct heif_image_handle **c), (a, b, c)) \
    X(struct heif_error, heif_image_handle_get_raw_color_profile, (const struct heif_image_handle *a, void *b), (a, b)) \
    X(size_t, heif_image_handle_get_raw_color_profile_size, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_has_alpha_channel, (const struct heif_image_handle *a), (a)) \
    X(int, heif_image_handle_is_premultiplied_alpha, (const struct heif_image_handle *a), (a)) \
    V(heif_image_handle_release, (const struct heif_image_handle *a), (a)) \
    X(struct heif_color_profile_nclx *, heif_nclx_color_profile_alloc, (void), ()) \
    V(heif_nclx_color_profile_free, (struct heif_color_profile_nclx *a), (a))

DYNAMIC_LIBRARY(CHEIF_FUNCTIONS, "libheif.so.1")

int cheif_load(void) { return dynamic_library_loaded(); }

const char *cheif_load_error(void) {
    dynamic_library_loaded();
    return the_library.error;
}

void *cheif_optional_function(const char *name) {
    return dynamic_library_loaded() ? dlsym(the_library.handle, name) : NULL;
}
