// LittleCMS 2: converts pixels from an embedded ICC profile to sRGB. Its errors go to a log handler
// (silenced) and failed calls return NULL, so no setjmp is involved.
#ifndef CLCMS_SHIM_H
#define CLCMS_SHIM_H
#include <lcms2.h>

/// TYPE_* format constants are macros built from other macros; the ones thumbd uses, as functions.
static inline cmsUInt32Number clcms_type_rgba_8(void) { return TYPE_RGBA_8; }
static inline cmsUInt32Number clcms_type_rgb_8(void) { return TYPE_RGB_8; }
static inline cmsUInt32Number clcms_type_gray_8(void) { return TYPE_GRAY_8; }
static inline cmsUInt32Number clcms_type_cmyk_8(void) { return TYPE_CMYK_8; }
#endif
