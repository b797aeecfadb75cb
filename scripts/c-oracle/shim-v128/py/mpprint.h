// mp_print_t and the printers gc.c's dump uses; implemented in driver.c.
#ifndef MCU_GC_SHIM_MPPRINT_H
#define MCU_GC_SHIM_MPPRINT_H

typedef struct _mp_print_t {
    int unused;
} mp_print_t;
extern const mp_print_t mp_plat_print;
int mp_printf(const mp_print_t *print, const char *fmt, ...);
int mp_print_str(const mp_print_t *print, const char *str);

#endif
