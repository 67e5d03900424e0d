// libcurl, loaded on first use, and typed wrappers around its variadic calls.
//
// libcurl.so.4 is loaded by `ccurl_load` (ccurl_load.c), not when a process starts: `thumbctl resize`
// never makes a request, and libcurl, the libraries under it (GnuTLS through librtmp, Kerberos, LDAP,
// libssh2...) and libheif's made half of its start (12 to 16 ms of CPU with both linked, 6 to 8 ms
// with both loaded on first use, `perf stat -r 30 thumbctl --help`). The non-variadic functions of curl.h that
// AWSKit calls are defined in ccurl_load.c, each forwarding to libcurl's own: call `ccurl_load` first.
//
// Swift cannot call C variadic functions, and `curl_easy_setopt` / `curl_easy_getinfo` are variadic.
// Each wrapper below fixes the type of the third argument, which is what libcurl expects for the
// option it is given (see curl_easy_setopt(3)), and calls libcurl's function through its pointer.
// Every symbol of ours carries the `ccurl_` prefix.
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>

/// Loads libcurl.so.4 and looks up every function AWSKit calls, once per process (thread-safe).
/// Returns 1 when they are all there, else 0, and `ccurl_load_error` says why. A curl_* function or
/// ccurl_ wrapper called when this has failed aborts the process: callers check first.
int ccurl_load(void);

/// Why `ccurl_load` failed (dlopen's or dlsym's words); "" when it has not.
const char *ccurl_load_error(void);

/// libcurl's two variadic functions (for the wrappers below).
typedef CURLcode (*ccurl_setopt_function)(CURL *handle, CURLoption option, ...);
typedef CURLcode (*ccurl_getinfo_function)(CURL *handle, CURLINFO info, ...);
ccurl_setopt_function ccurl_easy_setopt_function(void);
ccurl_getinfo_function ccurl_easy_getinfo_function(void);

typedef size_t (*ccurl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return ccurl_easy_setopt_function()(handle, option, value);
}

static inline CURLcode ccurl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return ccurl_easy_setopt_function()(handle, option, value);
}

static inline CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return ccurl_easy_setopt_function()(handle, option, value);
}

static inline CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return ccurl_easy_setopt_function()(handle, option, value);
}

static inline CURLcode ccurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return ccurl_easy_setopt_function()(handle, option, value);
}

static inline CURLcode ccurl_setopt_callback(CURL *handle, CURLoption option, ccurl_data_callback value) {
    return ccurl_easy_setopt_function()(handle, option, value);
}

typedef int (*ccurl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                                       curl_off_t ulnow);

static inline CURLcode ccurl_setopt_xferinfo(CURL *handle, ccurl_xferinfo_callback value) {
    return ccurl_easy_setopt_function()(handle, CURLOPT_XFERINFOFUNCTION, value);
}

typedef int (*ccurl_seek_callback)(void *userdata, curl_off_t offset, int origin);

static inline CURLcode ccurl_setopt_seek(CURL *handle, ccurl_seek_callback value) {
    return ccurl_easy_setopt_function()(handle, CURLOPT_SEEKFUNCTION, value);
}

typedef curl_socket_t (*ccurl_opensocket_callback)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode ccurl_setopt_opensocket(CURL *handle, ccurl_opensocket_callback value) {
    return ccurl_easy_setopt_function()(handle, CURLOPT_OPENSOCKETFUNCTION, value);
}

static inline CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return ccurl_easy_getinfo_function()(handle, info, value);
}

static inline CURLcode ccurl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return ccurl_easy_getinfo_function()(handle, info, value);
}

#endif
