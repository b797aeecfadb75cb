// v1.9.4's GC interface (the functions gc.c defines, plus gc_collect, which a port's
// driver defines: here scripts/c-oracle/driver.c).
#ifndef MCU_GC_SHIM_GC_H
#define MCU_GC_SHIM_GC_H

#include "py/mpconfig.h"

void gc_init(void *start, void *end);
void gc_lock(void);
void gc_unlock(void);
bool gc_is_locked(void);
void gc_collect(void);
void gc_collect_start(void);
void gc_collect_root(void **ptrs, size_t len);
void gc_collect_end(void);
void *gc_alloc(size_t n_bytes, bool has_finaliser);
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
void gc_dump_info(void);
void gc_dump_alloc_table(void);

#endif
