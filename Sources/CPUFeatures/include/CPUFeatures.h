// What the compiler was told about the CPU, for Swift code that picks a kernel.
//
// Swift has no `#if` for CPU features, but the Clang importer evaluates this
// header with the importing module's `-Xcc` flags: built with `-Xcc -march=native`
// on an AVX-512 machine, `genlab_has_avx512` is 1 there, and 0 in a debug build
// or on an AVX2-only CPU. The GEMM uses it to choose its register tile.
#ifndef GENLAB_CPU_FEATURES_H
#define GENLAB_CPU_FEATURES_H

#if defined(__AVX512F__)
static const int genlab_has_avx512 = 1;
#else
static const int genlab_has_avx512 = 0;
#endif

#if defined(__AVX2__) && defined(__FMA__)
static const int genlab_has_avx2_fma = 1;
#else
static const int genlab_has_avx2_fma = 0;
#endif

/// A hint to the CPU that this thread is spinning (x86 `pause`), so a spin-wait
/// leaves the core's shared resources to the other hyper-thread and saves power.
static inline void genlab_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/// Keeps freed blocks of up to 32 MiB in glibc's heap instead of unmapping them
/// (see Core's `Allocator`). A no-op on other C libraries.
/// Returns 1 when glibc accepted the settings, 0 elsewhere (another C library).
int genlab_keep_freed_buffers(void);

/// Installs a SIGINT handler (Ctrl-C) that only raises a flag: the first Ctrl-C asks a
/// training loop to stop after its current step (it then writes a checkpoint and the
/// report); a second one ends the process at once, as Ctrl-C normally does.
void genlab_install_interrupt_handler(void);

/// 1 once Ctrl-C has been pressed (since the handler was installed), else 0.
int genlab_interrupt_requested(void);

#endif
