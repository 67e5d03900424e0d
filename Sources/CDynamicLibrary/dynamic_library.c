#include "dynamic_library.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void dynamic_library_open(struct dynamic_library *library, const char *const *names, void **slots, size_t count) {
    library->handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (library->handle == NULL) {
        snprintf(library->error, sizeof library->error, "%s", dlerror());
        return;
    }
    for (size_t index = 0; index < count; index++) {
        if ((slots[index] = dlsym(library->handle, names[index])) == NULL) {
            snprintf(library->error, sizeof library->error, "%s has no %s", library->soname, names[index]);
            return;
        }
    }
}

void dynamic_library_abort(const struct dynamic_library *library, const char *function) {
    fprintf(stderr, "%s called, but %s cannot be loaded: %s\n", function, library->soname, library->error);
    abort();
}
