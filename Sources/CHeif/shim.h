// libheif (HEIC and AVIF: HEVC through libde265, AV1 through dav1d/aom, as Debian builds it). Errors
// come back as `struct heif_error` values; nothing here longjmps or is variadic.
#ifndef CHEIF_SHIM_H
#define CHEIF_SHIM_H
#include <libheif/heif.h>
#endif
