// Runtime services gc.c calls: method lookup and protected call (the finaliser pass,
// gc_sweep_run_finalisers) and printing (gc_dump_alloc_table). All implemented in driver.c.
#ifndef MCU_GC_SHIM_RUNTIME_H
#define MCU_GC_SHIM_RUNTIME_H

#include "py/mpconfig.h"
#include "py/mpprint.h"
#include "py/mpstate.h"
#include "py/obj.h"

typedef enum { MP_QSTR___del__ = 1 } qstr;

void mp_load_method_maybe(mp_obj_t base, qstr attr, mp_obj_t *dest);
mp_obj_t mp_call_function_1_protected(mp_obj_t fun, mp_obj_t arg);

#endif
