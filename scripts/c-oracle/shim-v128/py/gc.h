// The GC interface of a v1.27/v1.28 gc.c (py/gc.h of those releases, reduced), plus
// gc_collect, which a port's driver defines (here scripts/c-oracle/driver.c), and the two
// weakref hooks gc.c calls (py/modweakref.c on a device; driver.c here).
#ifndef MCU_GC_SHIM_GC_H
#define MCU_GC_SHIM_GC_H

#include "py/mpconfig.h"
#include "py/mpprint.h"

// gc_lock_depth: bit 0 is "a collection is running", the lock depth counts from bit 1
// (as upstream py/gc.h defines them).
#define GC_COLLECT_FLAG (1)
#define GC_LOCK_DEPTH_SHIFT (1)

enum {
    GC_ALLOC_FLAG_HAS_FINALISER = 1,
};

void gc_init(void *start, void *end);
#if MICROPY_GC_SPLIT_HEAP
void gc_add(void *start, void *end);
#endif
void gc_lock(void);
void gc_unlock(void);
bool gc_is_locked(void);
void gc_collect(void);
void gc_collect_start(void);
void gc_collect_root(void **ptrs, size_t len);
void gc_collect_end(void);
void gc_sweep_all(void);
void *gc_alloc(size_t n_bytes, unsigned int alloc_flags);
void gc_free(void *ptr);
size_t gc_nbytes(const void *ptr);
void *gc_realloc(void *ptr, size_t n_bytes, bool allow_move);

typedef struct _gc_info_t {
    size_t total;
    size_t used;
    size_t free;
    size_t max_free;
    size_t num_1block;
    size_t num_2block;
    size_t max_block;
} gc_info_t;

void gc_info(gc_info_t *info);
void gc_info_fast(gc_info_t *info);
void gc_dump_info(const mp_print_t *print);
void gc_dump_alloc_table(const mp_print_t *print);

#if MICROPY_PY_WEAKREF
void gc_weakref_mark(void *ptr);
void gc_weakref_about_to_be_freed(void *ptr);
void gc_weakref_sweep(void);
#endif

#endif
