// Runtime services gc.c calls: method lookup and protected call (the finaliser path of
// gc_sweep) and printing (gc_dump_alloc_table). All implemented in driver.c.
#ifndef MCU_GC_SHIM_RUNTIME_H
#define MCU_GC_SHIM_RUNTIME_H

#include "py/mpconfig.h"
#include "py/mpstate.h"
#include "py/obj.h"

typedef enum { MP_QSTR___del__ = 1 } qstr;

typedef struct _mp_print_t {
    int unused;
} mp_print_t;
extern const mp_print_t mp_plat_print;
int mp_printf(const mp_print_t *print, const char *fmt, ...);
int mp_print_str(const mp_print_t *print, const char *str);

void mp_load_method_maybe(mp_obj_t base, qstr attr, mp_obj_t *dest);
mp_obj_t mp_call_function_1_protected(mp_obj_t fun, mp_obj_t arg);

#endif
