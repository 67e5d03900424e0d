// glibc's allocator controls and statistics (<malloc.h> is not part of Swift's Glibc module).
#include <malloc.h>
