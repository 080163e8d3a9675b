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

// ---- Ctrl-C: a flag the training loops poll ---------------------------------------

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t genlab_interrupted = 0;

static void genlab_on_interrupt(int signal_number) {
  if (genlab_interrupted) {
    // The second Ctrl-C: the default action, now.
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigaction(signal_number, &action, 0);
    raise(signal_number);
    return;
  }
  genlab_interrupted = 1;
  static const char message[] =
      "\nCtrl-C: stopping after the current training step (lesson 05: epoch), then writing a checkpoint and the "
      "report; Ctrl-C again quits now\n";
  ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);  // async-signal-safe
  (void)ignored;
}

void genlab_install_interrupt_handler(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = genlab_on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, 0);
}

int genlab_interrupt_requested(void) { return genlab_interrupted ? 1 : 0; }
