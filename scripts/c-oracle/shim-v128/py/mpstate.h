// The interpreter state as a v1.27/v1.28 gc.c sees it (py/mpstate.h of those releases,
// reduced to what gc.c touches).
// - mp_state_mem_area_t: one per heap area; gc_add() places one at the start of each added
//   range, so its size shifts the added area's tables and pool. Fields and order as
//   upstream: next (split), ATB start, ATB length, FTB start (finaliser), WTB start
//   (weakref), pool start, pool end, last free ATB index, last used block; each one word.
// - mp_state_thread_t: gc_lock_depth is a uint16_t holding GC_COLLECT_FLAG in bit 0 and the
//   lock depth above it (so an unbalanced gc_unlock() wraps and leaves the heap locked).
// - mp_state_ctx_t: gc_collect_start() scans the words from &thread.dict_locals up to
//   vm.qstr_last_chunk. Here dict_locals is an empty array at the very end of the thread
//   state, so that range is exactly the trace's 32 root slots.
#ifndef MCU_GC_SHIM_MPSTATE_H
#define MCU_GC_SHIM_MPSTATE_H

#include "py/mpconfig.h"

#define MCU_GC_ROOT_SLOTS (32)

typedef struct _mp_state_mem_area_t {
    #if MICROPY_GC_SPLIT_HEAP
    struct _mp_state_mem_area_t *next;
    #endif
    byte *gc_alloc_table_start;
    size_t gc_alloc_table_byte_len;
    #if MICROPY_ENABLE_FINALISER
    byte *gc_finaliser_table_start;
    #endif
    #if MICROPY_PY_WEAKREF
    byte *gc_weakref_table_start;
    #endif
    byte *gc_pool_start;
    byte *gc_pool_end;
    size_t gc_last_free_atb_index;
    size_t gc_last_used_block;
} mp_state_mem_area_t;

typedef struct _mp_state_mem_t {
    mp_state_mem_area_t area;
    int gc_stack_overflow;
    size_t gc_block_stack[MCU_GC_STACK_CAPACITY];
    #if MICROPY_GC_SPLIT_HEAP
    mp_state_mem_area_t *gc_area_stack[MCU_GC_STACK_CAPACITY];
    #endif
    uint16_t gc_auto_collect_enabled;
    #if MICROPY_GC_ALLOC_THRESHOLD
    size_t gc_alloc_amount;
    size_t gc_alloc_threshold;
    #endif
    #if MICROPY_GC_SPLIT_HEAP
    mp_state_mem_area_t *gc_last_free_area;
    #endif
    #if MICROPY_PY_GC_COLLECT_RETVAL
    size_t gc_collected;
    #endif
    #if MICROPY_GC_SPLIT_HEAP
    // the lowest pool start and highest pool end over all areas
    byte *area_pool_min;
    byte *area_pool_max;
    #endif
} mp_state_mem_t;

typedef struct _mp_state_thread_t {
    uint16_t gc_lock_depth;
    // start of the root range gc_collect_start() scans (zero words here)
    void *dict_locals[0];
} mp_state_thread_t;

typedef struct _mp_state_vm_t {
    // root pointer section: the trace's `root K` slots
    void *root_slots[MCU_GC_ROOT_SLOTS];
    // first field after the root pointer section (where gc_collect_start stops)
    char *qstr_last_chunk;
} mp_state_vm_t;

typedef struct _mp_state_ctx_t {
    mp_state_thread_t thread;
    mp_state_vm_t vm;
    mp_state_mem_t mem;
} mp_state_ctx_t;

extern mp_state_ctx_t mp_state_ctx;

#define MP_STATE_VM(x) (mp_state_ctx.vm.x)
#define MP_STATE_MEM(x) (mp_state_ctx.mem.x)
#define MP_STATE_THREAD(x) (mp_state_ctx.thread.x)

#endif
