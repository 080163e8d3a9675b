// Most of this target lives in include/CPUFeatures.h; this file holds what needs
// a C library header Swift does not import (glibc's <malloc.h>).
#include "CPUFeatures.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void genlab_keep_freed_buffers(void) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}
