// A C library loaded on first use (dlopen) instead of linked, for CCurl and CHeif: one process start
// does not map it or the libraries under it, and the Swift code still calls its functions by their
// own names. A loader lists the functions it calls, FUNCTIONS(X, V, P): X(type, name, parameters,
// arguments) for those that return a value, V(name, parameters, arguments) for void ones, P(name) for
// ones only looked up (variadic functions, reached through a typed pointer). Then
// DYNAMIC_LIBRARY(FUNCTIONS, "libfoo.so.1") in its .c file defines, file-static:
//   - `dynamic_library_loaded()`: loads the library and looks up every function, once per process
//     (thread-safe); 1 when all are there, else 0 and `the_library.error` says why;
//   - `dynamic_library_pointer(name)`: the function looked up for `name`, P's included;
//   - every X and V function under its own name, hidden (so neither the library nor its plugins bind
//     to ours; the executables export their symbols), forwarding to the library's. Its prototype is
//     the library header's, so a mismatch does not compile. Called when loading failed, it aborts:
//     callers check `dynamic_library_loaded()` first.
#ifndef DYNAMIC_LIBRARY_H
#define DYNAMIC_LIBRARY_H
#include <pthread.h>
#include <stddef.h>

/// A library opened with `dynamic_library_open`: its handle, and why it could not be opened or lacks
/// a function ("" when it has them all).
struct dynamic_library {
    const char *soname;
    void *handle;
    char error[512];
};

/// Opens `library->soname` (RTLD_NOW | RTLD_LOCAL: its symbols stay out of the global scope) and looks
/// up `count` functions by `names` into `slots`; on failure `library->error` says why (dlerror's words,
/// or the first function it lacks).
void dynamic_library_open(struct dynamic_library *library, const char *const *names, void **slots, size_t count);

/// Prints that `function` was called though `library` could not be loaded, and aborts.
void dynamic_library_abort(const struct dynamic_library *library, const char *function);

#define DYNAMIC_LIBRARY_INDEX(type, name, parameters, arguments) dynamic_library_index_##name,
#define DYNAMIC_LIBRARY_VOID_INDEX(name, parameters, arguments) dynamic_library_index_##name,
#define DYNAMIC_LIBRARY_ONLY_INDEX(name) dynamic_library_index_##name,
#define DYNAMIC_LIBRARY_NAME(type, name, parameters, arguments) #name,
#define DYNAMIC_LIBRARY_VOID_NAME(name, parameters, arguments) #name,
#define DYNAMIC_LIBRARY_ONLY_NAME(name) #name,
#define DYNAMIC_LIBRARY_FORWARD(type, name, parameters, arguments) \
    __attribute__((visibility("hidden"))) type name parameters { \
        return ((type(*) parameters)dynamic_library_pointer(dynamic_library_index_##name, #name)) arguments; \
    }
#define DYNAMIC_LIBRARY_VOID_FORWARD(name, parameters, arguments) \
    __attribute__((visibility("hidden"))) void name parameters { \
        ((void(*) parameters)dynamic_library_pointer(dynamic_library_index_##name, #name)) arguments; \
    }
#define DYNAMIC_LIBRARY_NO_FORWARD(name)

#define DYNAMIC_LIBRARY(FUNCTIONS, SONAME) \
    enum { FUNCTIONS(DYNAMIC_LIBRARY_INDEX, DYNAMIC_LIBRARY_VOID_INDEX, DYNAMIC_LIBRARY_ONLY_INDEX) dynamic_library_count }; \
    static const char *const dynamic_library_names[] = { \
        FUNCTIONS(DYNAMIC_LIBRARY_NAME, DYNAMIC_LIBRARY_VOID_NAME, DYNAMIC_LIBRARY_ONLY_NAME)}; \
    static void *dynamic_library_slots[dynamic_library_count]; \
    static struct dynamic_library the_library = {SONAME, NULL, ""}; \
    static pthread_once_t dynamic_library_once = PTHREAD_ONCE_INIT; \
    static void dynamic_library_load(void) { \
        dynamic_library_open(&the_library, dynamic_library_names, dynamic_library_slots, dynamic_library_count); \
    } \
    static int dynamic_library_loaded(void) { \
        pthread_once(&dynamic_library_once, dynamic_library_load); \
        return the_library.error[0] == 0; \
    } \
    static void *dynamic_library_pointer(int index, const char *name) { \
        if (!dynamic_library_loaded()) dynamic_library_abort(&the_library, name); \
        return dynamic_library_slots[index]; \
    } \
    FUNCTIONS(DYNAMIC_LIBRARY_FORWARD, DYNAMIC_LIBRARY_VOID_FORWARD, DYNAMIC_LIBRARY_NO_FORWARD)
#endif
