// The few object-model pieces gc.c touches: mp_obj_t, mp_obj_base_t (first word = type
// pointer, read by gc_sweep and gc_dump_alloc_table) and the type objects the dump names.
#ifndef MCU_GC_SHIM_OBJ_H
#define MCU_GC_SHIM_OBJ_H

#include "py/mpconfig.h"

typedef void *mp_obj_t;
#define MP_OBJ_NULL ((mp_obj_t)0)
#define MP_OBJ_FROM_PTR(p) ((mp_obj_t)(p))
#define MP_OBJ_TO_PTR(o) ((void *)(o))

// A stand-in for mp_obj_type_t: gc.c only compares pointers with type objects.
typedef struct _mp_obj_type_t {
    uintptr_t opaque;
} mp_obj_type_t;

typedef struct _mp_obj_base_t {
    const mp_obj_type_t *type;
} mp_obj_base_t;

// The type objects sit where the engine puts them (emulator/trace/run.ts traceMachine:
// 0x40 apart in a "flash" page above the heap), not at link-time addresses: their values
// end up in heap words, and gc_alloc's partial clears (memset from n_bytes) can cut such a
// word in half, so the exact address decides whether the dump still sees a type letter.
// `&mp_type_tuple` in gc.c thus reads the driver's table (index = FORMAT.md's type order).
extern const mp_obj_type_t *mcu_gc_type_object[12];
#define mp_type_tuple (*mcu_gc_type_object[0])
#define mp_type_list (*mcu_gc_type_object[1])
#define mp_type_dict (*mcu_gc_type_object[2])
#define mp_type_str (*mcu_gc_type_object[3])
#define mp_type_bytes (*mcu_gc_type_object[4])
#define mp_type_bytearray (*mcu_gc_type_object[5])
#define mp_type_array (*mcu_gc_type_object[6])
#define mp_type_float (*mcu_gc_type_object[7])
#define mp_type_fun_bc (*mcu_gc_type_object[8])
#define mp_type_module (*mcu_gc_type_object[9])
// [10] is a type with no dump letter, [11] a user class that defines __del__.
#define MCU_GC_TYPE_FIN (11)

#endif
