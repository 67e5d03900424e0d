// libjpeg-turbo's TurboJPEG API (2.1: the tj* functions). Errors come back as return codes with
// tjGetErrorStr2/tjGetErrorCode, never through setjmp/longjmp, so Swift can call it directly.
#ifndef CTURBOJPEG_SHIM_H
#define CTURBOJPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#endif
