// libavif's encoder (AV1 through libaom, as libheif's AVIF writer that libvips uses). Errors come back
// as avifResult codes.
#ifndef CAVIF_SHIM_H
#define CAVIF_SHIM_H
#include <avif/avif.h>
#endif
