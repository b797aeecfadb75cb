// The interpreter state as v1.9.4's (and v1.9.2's) gc.c sees it.
// - mp_state_mem_t: the GC fields, with v1.9.4's types (gc_lock_depth and
//   gc_auto_collect_enabled are uint16_t there, so an unbalanced gc_unlock() wraps).
// - mp_state_ctx_t: gc_collect_start() scans the words from &mp_state_ctx up to
//   vm.qstr_last_chunk as roots. Here that is exactly the trace's 32 root slots.
#ifndef MCU_GC_SHIM_MPSTATE_H
#define MCU_GC_SHIM_MPSTATE_H

#include "py/mpconfig.h"

#define MCU_GC_ROOT_SLOTS (32)

typedef struct _mp_state_mem_t {
    byte *gc_alloc_table_start;
    size_t gc_alloc_table_byte_len;
    #if MICROPY_ENABLE_FINALISER
    byte *gc_finaliser_table_start;
    #endif
    byte *gc_pool_start;
    byte *gc_pool_end;

    int gc_stack_overflow;
    size_t gc_stack[MCU_GC_STACK_CAPACITY];
    #ifdef MCU_GC_V192
    // v1.9.2 keeps the mark stack's top here (v1.9.4 made it a local of gc_mark_subtree).
    size_t *gc_sp;
    #endif
    uint16_t gc_lock_depth;
    uint16_t gc_auto_collect_enabled;

    #if MICROPY_GC_ALLOC_THRESHOLD
    size_t gc_alloc_amount;
    size_t gc_alloc_threshold;
    #endif

    size_t gc_last_free_atb_index;

    #if MICROPY_PY_GC_COLLECT_RETVAL
    size_t gc_collected;
    #endif
} mp_state_mem_t;

typedef struct _mp_state_vm_t {
    // root pointer section: the trace's `root K` slots
    void *root_slots[MCU_GC_ROOT_SLOTS];
    // first field after the root pointer section (where gc_collect_start stops)
    char *qstr_last_chunk;
} mp_state_vm_t;

typedef struct _mp_state_ctx_t {
    mp_state_vm_t vm;
    mp_state_mem_t mem;
} mp_state_ctx_t;

extern mp_state_ctx_t mp_state_ctx;

#define MP_STATE_VM(x) (mp_state_ctx.vm.x)
#define MP_STATE_MEM(x) (mp_state_ctx.mem.x)

#endif
