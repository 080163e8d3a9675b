// Most of this target lives in include/CPUFeatures.h; this file holds what needs
// a C library header Swift does not import (glibc's <malloc.h>).
#include "CPUFeatures.h"
#if defined(__linux__)
/* Included unconditionally on Linux: it pulls in <features.h>, which is what defines
   __GLIBC__. (Guarding this include with __GLIBC__ left the test below always false
   and the function a silent no-op.) */
#include <malloc.h>
#endif

int genlab_keep_freed_buffers(void) {
#if defined(__GLIBC__)
  int ok = 1;
  ok &= mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ok &= mallopt(M_MMAP_MAX, 0);                  /* no mmap at all: blocks over 32 MiB come from the heap too */
  ok &= mallopt(M_TRIM_THRESHOLD, 0x7fffffff);   /* and a step's peak (≈ 1 GB in a U-Net) is never handed back */
  return ok;
#else
  return 0;
#endif
}
