// Minimal MicroPython configuration for compiling a v1.27/v1.28-era py/gc.c (split heaps,
// gap byte, gc_last_used_block, finaliser pass, weakref table) on the host as a test oracle.
// Only what that gc.c reads is defined. The GC geometry comes from the trace header, passed
// by scripts/c-oracle/oracle.ts as -D flags (one binary per combination).
#ifndef MCU_GC_SHIM_MPCONFIG_H
#define MCU_GC_SHIM_MPCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef MICROPY_BYTES_PER_GC_BLOCK
#error "build with -DMICROPY_BYTES_PER_GC_BLOCK=N (the trace's `block`)"
#endif
#ifndef MICROPY_ENABLE_FINALISER
#error "build with -DMICROPY_ENABLE_FINALISER=0/1 (the trace's `finaliser`)"
#endif
#ifndef MICROPY_GC_SPLIT_HEAP
#error "build with -DMICROPY_GC_SPLIT_HEAP=0/1 (the trace's `split`)"
#endif
#ifndef MICROPY_PY_WEAKREF
#error "build with -DMICROPY_PY_WEAKREF=0/1 (the trace's `weakref`; 0 for gc v1.27)"
#endif
#ifndef MICROPY_GC_CONSERVATIVE_CLEAR
#error "build with -DMICROPY_GC_CONSERVATIVE_CLEAR=0/1 (the trace's `clear`)"
#endif
// The mark stack's size is a run-time value set from the trace's `gcstack` line: gc.c only
// compares the stack pointer with it, and mp_state_mem_t's arrays are sized for the largest.
#define MCU_GC_STACK_CAPACITY (4096)
extern size_t mcu_gc_stack_size;
#define MICROPY_ALLOC_GC_STACK_SIZE (mcu_gc_stack_size)

// Fixed for every gctrace (FORMAT.md): GC on, threshold support compiled in, gc.collect()
// return value (gc_collected) kept, no threads, no pystack, no scheduler, no debug output,
// no split-heap-auto. MICROPY_GC_ALLOC_HINTS is a feature of the fork this gc.c comes
// from, not of any release: off.
#define MICROPY_ENABLE_GC (1)
#define MICROPY_GC_ALLOC_THRESHOLD (1)
#define MICROPY_PY_GC_COLLECT_RETVAL (1)
#define MICROPY_GC_SPLIT_HEAP_AUTO (0)
#define MICROPY_GC_ALLOC_HINTS (0)
#define MICROPY_PY_THREAD (0)
#define MICROPY_PY_THREAD_GIL (0)
#define MICROPY_ENABLE_PYSTACK (0)
#define MICROPY_ENABLE_SCHEDULER (0)
#define MICROPY_DEBUG_VERBOSE (0)
#define MICROPY_DEBUG_VALGRIND (0)
// gc.c's hook for ports that must service something inside long loops: nothing here.
#define MICROPY_GC_HOOK_LOOP(i)
// The dump letters 'A' (bytearray, array) and 'F' (float) are compiled in.
#define MICROPY_PY_BUILTINS_BYTEARRAY (1)
#define MICROPY_PY_ARRAY (1)
#define MICROPY_PY_BUILTINS_FLOAT (1)

// py/misc.h / py/mpconfig.h basics gc.c uses.
typedef unsigned char byte;
typedef unsigned int uint;
typedef uintptr_t mp_uint_t;
typedef intptr_t mp_int_t;
#define MP_BITS_PER_BYTE (8)
#define MP_BYTES_PER_OBJ_WORD (sizeof(mp_uint_t))
#define UINT_FMT "%lu"
#define MIN(x, y) ((x) < (y) ? (x) : (y))
#define MAX(x, y) ((x) > (y) ? (x) : (y))
#define MP_ALWAYSINLINE __attribute__((always_inline))
#define MP_FALLTHROUGH __attribute__((fallthrough));
#define MP_STATIC_ASSERT(cond) ((void)sizeof(char[1 - 2 * !(cond)]))

#endif
