// libcurl on first use: dlopen, then every function AWSKit calls looked up by name. The non-variadic
// ones are defined here under curl.h's names (hidden, so libcurl never binds to these) as calls
// through the pointers found; the prototypes are curl.h's, so a mismatch does not compile. The two
// variadic ones are reached through `ccurl_easy_setopt_function` and `ccurl_easy_getinfo_function`.
#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// X(return type, name, parameters, arguments) for functions that return a value, V(...) for void ones.
#define CCURL_FUNCTIONS(X, V) \
    X(CURLcode, curl_global_init, (long a), (a)) \
    X(CURL *, curl_easy_init, (void), ()) \
    V(curl_easy_cleanup, (CURL *a), (a)) \
    V(curl_easy_reset, (CURL *a), (a)) \
    X(CURLcode, curl_easy_perform, (CURL *a), (a)) \
    X(const char *, curl_easy_strerror, (CURLcode a), (a)) \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist *a, const char *b), (a, b)) \
    V(curl_slist_free_all, (struct curl_slist *a), (a))

#define POINTER(type, name, parameters, arguments) type(*name) parameters;
#define VOID_POINTER(name, parameters, arguments) void(*name) parameters;
static struct {
    CCURL_FUNCTIONS(POINTER, VOID_POINTER)
    ccurl_setopt_function curl_easy_setopt;
    ccurl_getinfo_function curl_easy_getinfo;
} api;

static char load_error[512];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
#define LOOK_UP(type, name, parameters, arguments) \
    if ((api.name = (type(*) parameters)dlsym(library, #name)) == NULL) { \
        snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s", #name); \
        return; \
    }
#define VOID_LOOK_UP(name, parameters, arguments) LOOK_UP(void, name, parameters, arguments)
    CCURL_FUNCTIONS(LOOK_UP, VOID_LOOK_UP)
    if ((api.curl_easy_setopt = (ccurl_setopt_function)dlsym(library, "curl_easy_setopt")) == NULL
        || (api.curl_easy_getinfo = (ccurl_getinfo_function)dlsym(library, "curl_easy_getinfo")) == NULL) {
        snprintf(load_error, sizeof load_error, "libcurl.so.4 has no curl_easy_setopt or curl_easy_getinfo");
    }
}

int ccurl_load(void) {
    pthread_once(&load_once, load);
    return load_error[0] == 0;
}

const char *ccurl_load_error(void) {
    pthread_once(&load_once, load);
    return load_error;
}

static void require(const char *name) {
    if (!ccurl_load()) {
        fprintf(stderr, "%s called, but libcurl cannot be loaded: %s\n", name, load_error);
        abort();
    }
}

ccurl_setopt_function ccurl_easy_setopt_function(void) {
    require("curl_easy_setopt");
    return api.curl_easy_setopt;
}

ccurl_getinfo_function ccurl_easy_getinfo_function(void) {
    require("curl_easy_getinfo");
    return api.curl_easy_getinfo;
}

#define FORWARD(type, name, parameters, arguments) \
    __attribute__((visibility("hidden"))) type name parameters { \
        require(#name); \
        return api.name arguments; \
    }
#define VOID_FORWARD(name, parameters, arguments) \
    __attribute__((visibility("hidden"))) void name parameters { \
        require(#name); \
        api.name arguments; \
    }
CCURL_FUNCTIONS(FORWARD, VOID_FORWARD)
