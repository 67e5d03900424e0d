// libcurl on first use (the mechanism: CDynamicLibrary's header). Its two variadic functions are
// only looked up, and reached through `ccurl_easy_setopt_function` and `ccurl_easy_getinfo_function`.
#include "ccurl.h"

#include <dynamic_library.h>

#define CCURL_FUNCTIONS(X, V, P) \
    X(CURLcode, curl_global_init, (long a), (a)) \
    X(CURL *, curl_easy_init, (void), ()) \
    V(curl_easy_cleanup, (CURL *a), (a)) \
    V(curl_easy_reset, (CURL *a), (a)) \
    X(CURLcode, curl_easy_perform, (CURL *a), (a)) \
    X(const char *, curl_easy_strerror, (CURLcode a), (a)) \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist *a, const char *b), (a, b)) \
    V(curl_slist_free_all, (struct curl_slist *a), (a)) \
    P(curl_easy_setopt) \
    P(curl_easy_getinfo)

DYNAMIC_LIBRARY(CCURL_FUNCTIONS, "libcurl.so.4")

int ccurl_load(void) { return dynamic_library_loaded(); }

const char *ccurl_load_error(void) {
    dynamic_library_loaded();
    return the_library.error;
}

ccurl_setopt_function ccurl_easy_setopt_function(void) {
    return (ccurl_setopt_function)dynamic_library_pointer(dynamic_library_index_curl_easy_setopt, "curl_easy_setopt");
}

ccurl_getinfo_function ccurl_easy_getinfo_function(void) {
    return (ccurl_getinfo_function)dynamic_library_pointer(dynamic_library_index_curl_easy_getinfo, "curl_easy_getinfo");
}
