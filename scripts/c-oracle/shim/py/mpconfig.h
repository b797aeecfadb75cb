// Minimal MicroPython configuration for compiling v1.9.4's py/gc.c on the host as a test
// oracle. Only what gc.c reads is defined. The GC geometry comes from the trace header,
// passed by scripts/c-oracle/oracle.ts as -D flags (one binary per combination).
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
// The mark stack's size is a run-time value set from the trace's `gcstack` line: gc.c only
// compares the stack pointer with it, and mp_state_mem_t's array is sized for the largest
// (MCU_GC_STACK_CAPACITY). That keeps one binary per (word, block, finaliser, clear).
#define MCU_GC_STACK_CAPACITY (4096)
extern size_t mcu_gc_stack_size;
#define MICROPY_ALLOC_GC_STACK_SIZE (mcu_gc_stack_size)
#ifndef MICROPY_GC_CONSERVATIVE_CLEAR
#error "build with -DMICROPY_GC_CONSERVATIVE_CLEAR=0/1 (the trace's `clear`)"
#endif

// Fixed for every gctrace (FORMAT.md): GC on, threshold support compiled in, gc.collect()
// return value (gc_collected) kept, no threads, no pystack, no scheduler, no debug output.
#define MICROPY_ENABLE_GC (1)
#define MICROPY_GC_ALLOC_THRESHOLD (1)
#define MICROPY_PY_GC_COLLECT_RETVAL (1)
#define MICROPY_PY_THREAD (0)
#define MICROPY_PY_THREAD_GIL (0)
#define MICROPY_ENABLE_PYSTACK (0)
#define MICROPY_ENABLE_SCHEDULER (0)
#define MICROPY_DEBUG_VERBOSE (0)
// The dump letters 'A' (bytearray, array) and 'F' (float) are compiled in, as on the ports
// the vectors model.
#define MICROPY_PY_BUILTINS_BYTEARRAY (1)
#define MICROPY_PY_ARRAY (1)
#define MICROPY_PY_BUILTINS_FLOAT (1)

// py/misc.h / py/mpconfig.h basics gc.c uses.
#define STATIC static
typedef unsigned char byte;
typedef unsigned int uint;
typedef uintptr_t mp_uint_t;
typedef intptr_t mp_int_t;
#define BITS_PER_BYTE (8)
#define BYTES_PER_WORD (sizeof(mp_uint_t))
#define UINT_FMT "%lu"

#endif
