// gctrace driver around MicroPython's real py/gc.c: reads a trace (FORMAT.md in
// test/conformance) on stdin and prints what gc.c does, for differential fuzzing of the
// engine (scripts/oracle-fuzz.ts). gc.c itself is not in the repository: oracle.ts reads it
// at build time and compiles it with one of two sets of shims:
// - shim/py/: v1.9.4's gc.c (from ../shared/seeds);
// - shim-v128/py/ (built with -DMCU_GC_V128): a v1.27/v1.28-era gc.c (split heaps, gap
//   byte, gc_last_used_block, finaliser pass, weakref table), from MCU_GC_V128_GC_C.
//
// What the driver stands for on a device:
// - the heaps sit at the trace's own addresses (mmap MAP_FIXED_NOREPLACE over page-aligned
//   spans around the `heap` ranges, mapped before the first operation as the engine's
//   traceMachine maps them), so printed addresses are the trace's; the first `heap` line is
//   gc_init, each later one gc_add (split heaps);
// - mp_state_ctx's root-pointer section is the 32 root slots (gc_collect_start scans them),
//   and gc_collect() then scans the 32 stack slots with gc_collect_root, as a port's
//   gc_collect scans its C stack; handles (NAMEs) are the test's bookkeeping, not roots;
// - during `realloc` the block is also a root (the caller's stack holds it on a device);
// - the type objects sit where traceMachine puts them; `fin` is the one with __del__;
// - weakref (v1.28): `weak NAME` is gc_weakref_mark, and gc_weakref_about_to_be_freed (what
//   py/modweakref.c does on a device) records the address for the `weak=` list.
//
// A run that would write outside the heap on a device (v1.9.4's stale free-run count in
// gc_alloc, fixed in 91041945c9) prints `CRASH at LINE` and exits 3: either the wild ATB
// write faults (SIGSEGV/SIGBUS handler) or gc_alloc returns a block before the pool.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "py/gc.h"
#include "py/runtime.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#ifdef MCU_GC_V128
#define GC_ALLOC(n, fin) gc_alloc((n), (fin) ? GC_ALLOC_FLAG_HAS_FINALISER : 0)
#define GC_DUMP() gc_dump_alloc_table(&mp_plat_print)
#define GC_PROFILE "v1.28"
#else
#define GC_ALLOC(n, fin) gc_alloc((n), (fin))
#define GC_DUMP() gc_dump_alloc_table()
#define GC_PROFILE "v1.9.4"
#define MICROPY_GC_SPLIT_HEAP (0)
#define MICROPY_PY_WEAKREF (0)
#endif

#define STACK_SLOTS (32)
#define MAX_HEAPS (16)
#define MAX_FINALISED (65536)

// ---------------------------------------------------------------- the state gc.c uses

mp_state_ctx_t mp_state_ctx;
size_t mcu_gc_stack_size = 64;
const mp_print_t mp_plat_print = {0};

// Type objects in FORMAT.md's order (the engine's TYPE_NAMES); placed by map_types().
static const char *const TYPE_NAMES[12] = {
    "tuple", "list", "dict", "str", "bytes", "bytearray", "array", "float", "fun_bc", "module", "other", "fin",
};
const mp_obj_type_t *mcu_gc_type_object[12];

// The C stack slots a collection scans after the root section (see gc_collect).
static void *stack_slots[STACK_SLOTS];
// The block gc_realloc is working on, held as the caller's stack would hold it.
static void *realloc_root;
static unsigned long collections;
static uintptr_t finalised[MAX_FINALISED];
static size_t n_finalised;
#if MICROPY_PY_WEAKREF
static uintptr_t weak[MAX_FINALISED];
#endif
static size_t n_weak;
static long cur_line;

// ---------------------------------------------------------------- output

// Own buffer, flushed with write(2): the crash handler can flush it safely.
static char out_buf[1 << 16];
static size_t out_len;

static void out_flush(void) {
    size_t off = 0;
    while (off < out_len) {
        ssize_t n = write(1, out_buf + off, out_len - off);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            _exit(4);
        }
        off += (size_t)n;
    }
    out_len = 0;
}

static void out_str(const char *s, size_t n) {
    while (n > 0) {
        if (out_len == sizeof(out_buf)) out_flush();
        size_t k = sizeof(out_buf) - out_len;
        if (k > n) k = n;
        memcpy(out_buf + out_len, s, k);
        out_len += k;
        s += k;
        n -= k;
    }
}

static void out_printf(const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    out_str(tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

// mp_printf: the conversions gc.c uses. %p prints as MicroPython's does (lowercase hex,
// no 0x); everything else as C's printf.
int mp_printf(const mp_print_t *print, const char *fmt, ...) {
    (void)print;
    va_list ap;
    va_start(ap, fmt);
    size_t start = out_len;
    for (const char *f = fmt; *f;) {
        if (*f != '%') {
            out_str(f, 1);
            f++;
            continue;
        }
        // copy one conversion spec: %[flags][width][l]conv
        char spec[16];
        size_t k = 0;
        spec[k++] = *f++;
        while (*f && strchr("0123456789-+ #l", *f) && k < sizeof spec - 2) spec[k++] = *f++;
        char conv = *f ? *f++ : '\0';
        spec[k++] = conv;
        spec[k] = '\0';
        switch (conv) {
            case 'p': out_printf("%lx", (unsigned long)(uintptr_t)va_arg(ap, void *)); break;
            case 'u': case 'x': case 'c': case 'd':
                if (spec[k - 2] == 'l') out_printf(spec, va_arg(ap, long));
                else out_printf(spec, va_arg(ap, int));
                break;
            case 's': out_printf(spec, va_arg(ap, const char *)); break;
            case '%': out_str("%", 1); break;
            default:
                fprintf(stderr, "driver: mp_printf: unsupported conversion '%s'\n", spec);
                exit(2);
        }
    }
    va_end(ap);
    return (int)(out_len - start);
}

int mp_print_str(const mp_print_t *print, const char *str) {
    (void)print;
    out_str(str, strlen(str));
    return (int)strlen(str);
}

// ---------------------------------------------------------------- runtime gc.c calls

// gc_sweep asks for __del__ of every FTB-flagged head with a non-NULL type: only the `fin`
// type has one. The "method" is any non-NULL value; dest[1] is self.
void mp_load_method_maybe(mp_obj_t base, qstr attr, mp_obj_t *dest) {
    const mp_obj_base_t *o = (const mp_obj_base_t *)base;
    dest[0] = MP_OBJ_NULL;
    dest[1] = MP_OBJ_NULL;
    if (attr == MP_QSTR___del__ && o->type == mcu_gc_type_object[MCU_GC_TYPE_FIN]) {
        dest[0] = (mp_obj_t)o->type;
        dest[1] = base;
    }
}

// Running __del__ = recording which object it ran for, in sweep order.
mp_obj_t mp_call_function_1_protected(mp_obj_t fun, mp_obj_t arg) {
    (void)fun;
    if (n_finalised < MAX_FINALISED) finalised[n_finalised++] = (uintptr_t)arg;
    return MP_OBJ_NULL;
}

#if MICROPY_PY_WEAKREF
// py/modweakref.c would drop the object's weak references here; the trace records it.
void gc_weakref_about_to_be_freed(void *ptr) {
    if (n_weak < MAX_FINALISED) weak[n_weak++] = (uintptr_t)ptr;
}

// py/modweakref.c sweeps its map of dead references here: nothing to do for a trace.
void gc_weakref_sweep(void) {
}
#endif

// A port's gc_collect: root section (inside gc_collect_start), then the C stack, then the
// block a realloc in progress holds; counted for `stats` (explicit and automatic alike).
void gc_collect(void) {
    collections++;
    n_finalised = 0;
    n_weak = 0;
    gc_collect_start();
    gc_collect_root(stack_slots, STACK_SLOTS);
    if (realloc_root != NULL) gc_collect_root(&realloc_root, 1);
    gc_collect_end();
}

// ---------------------------------------------------------------- crash detection

static void crash(void) {
    char msg[64];
    int n = snprintf(msg, sizeof msg, "CRASH at %ld\n", cur_line);
    out_str(msg, (size_t)n);
    out_flush();
    _exit(3);
}

static void on_fault(int sig) {
    (void)sig;
    crash();
}

// gc_alloc's result must be a block of the pool; v1.9.4's stale run count can put it before.
// (Later gc.c resets the count, fixed in 91041945c9: nothing to check there.)
static void check_block(void *p) {
    #ifdef MCU_GC_V128
    (void)p;
    #else
    if (p != NULL && (byte *)p < MP_STATE_MEM(gc_pool_start)) crash();
    #endif
}

#ifdef MCU_GC_V128
// gc_collect_start scans from thread.dict_locals to vm.qstr_last_chunk: exactly the root slots.
_Static_assert(offsetof(mp_state_ctx_t, thread.dict_locals) == offsetof(mp_state_ctx_t, vm.root_slots), "root range start");
// The engine's areaStructSize: 6 words + next (split) + FTB (finaliser) + WTB (weakref).
_Static_assert(sizeof(mp_state_mem_area_t) == sizeof(void *) * (6 + MICROPY_GC_SPLIT_HEAP + MICROPY_ENABLE_FINALISER + MICROPY_PY_WEAKREF), "area struct size");
#endif

// ---------------------------------------------------------------- trace parsing

static void die(const char *what, const char *tok) {
    out_flush();
    fprintf(stderr, "driver: line %ld: %s%s%s\n", cur_line, what, tok ? ": " : "", tok ? tok : "");
    exit(2);
}

static uint64_t number(const char *s) {
    if (s == NULL) die("missing number", NULL);
    char *end;
    errno = 0;
    uint64_t v = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? strtoull(s + 2, &end, 16) : strtoull(s, &end, 10);
    if (*end || end == s || errno) die("bad number", s);
    return v;
}

// Handles: name -> current pointer value (open addressing).
#define HMAX (1 << 16)
static struct {
    char *name;
    uintptr_t value;
} handles[HMAX];

static uintptr_t *handle(const char *name) {
    if (name == NULL) die("missing name", NULL);
    uint32_t h = 2166136261u;
    for (const char *c = name; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
    for (uint32_t i = 0; i < HMAX; i++) {
        uint32_t k = (h + i) & (HMAX - 1);
        if (handles[k].name == NULL) {
            handles[k].name = strdup(name);
            handles[k].value = 0;
            return &handles[k].value;
        }
        if (strcmp(handles[k].name, name) == 0) return &handles[k].value;
    }
    die("too many names", name);
    return NULL;
}

// A NAME, or `0` for NULL.
static uintptr_t handle_or_null(const char *tok) {
    if (tok != NULL && strcmp(tok, "0") == 0) return 0;
    return *handle(tok);
}

// The `heap` ranges given so far (gc_init, then gc_add).
static uintptr_t heap_start[MAX_HEAPS], heap_end[MAX_HEAPS];
static int n_heaps;

// setp/setw/type: skipped for a NULL handle and when the word is not wholly inside the
// `heap` range that holds the handle (FORMAT.md); stores into freed memory are performed.
static void store(uintptr_t p, uint64_t index, uint64_t value) {
    if (p == 0) return;
    for (int i = 0; i < n_heaps; i++) {
        if (p < heap_start[i] || p >= heap_end[i]) continue;
        uint64_t a = (uint64_t)p + index * sizeof(void *);
        if (a < heap_start[i] || a + sizeof(void *) > heap_end[i]) return;
        *(uintptr_t *)(uintptr_t)a = (uintptr_t)value;
        return;
    }
}

static void print_ptr(const char *op, const char *name, uintptr_t p) {
    if (p == 0) out_printf("%s %s = NULL\n", op, name);
    else out_printf("%s %s = 0x%lx\n", op, name, (unsigned long)p);
}

// Is p the head of an allocated block? gc_nbytes is non-zero exactly for VERIFY_PTR and
// ATB kind HEAD (no collection is running here, so no MARK heads).
static bool is_head(uintptr_t p) {
    return gc_nbytes((void *)p) != 0;
}

static void *map_at(uintptr_t lo, uintptr_t hi) {
    void *m = mmap((void *)lo, hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m == MAP_FAILED || (uintptr_t)m != lo) {
        char what[128];
        snprintf(what, sizeof what, "cannot map 0x%lx..0x%lx in this process", (unsigned long)lo, (unsigned long)hi);
        die(what, strerror(m == MAP_FAILED ? errno : EEXIST));
    }
    return m;
}

// The heaps, padded as the engine's traceMachine pads them (64-aligned, +-4 KiB: gc.c can
// read a word or an ATB byte just past a pool), merged where they touch, widened to whole
// pages; all mapped before the first operation, as traceMachine maps every `heap` line.
static void map_heaps(const uintptr_t *starts, const uintptr_t *ends, int n) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo[MAX_HEAPS], hi[MAX_HEAPS];
    for (int i = 0; i < n; i++) {
        uintptr_t s = starts[i] & ~(uintptr_t)63;
        lo[i] = s >= 4096 ? s - 4096 : 0;
        hi[i] = ((ends[i] + 63) & ~(uintptr_t)63) + 4096;
    }
    // sort by start (insertion sort: a handful of ranges)
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && lo[j] < lo[j - 1]; j--) {
            uintptr_t t = lo[j]; lo[j] = lo[j - 1]; lo[j - 1] = t;
            t = hi[j]; hi[j] = hi[j - 1]; hi[j - 1] = t;
        }
    }
    // merge as traceMachine does; the top of the last one places the type objects
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 && lo[i] <= hi[m - 1]) {
            if (hi[i] > hi[m - 1]) hi[m - 1] = hi[i];
        } else {
            lo[m] = lo[i];
            hi[m] = hi[i];
            m++;
        }
    }
    uintptr_t top = (hi[m - 1] + 0x10000 + 0xffff) & ~(uintptr_t)0xffff;
    // widen to pages, merging again where pages now overlap
    uintptr_t plo = 0, phi = 0;
    for (int i = 0; i <= m; i++) {
        uintptr_t l = 0, h = 0;
        if (i < m) {
            l = lo[i] & ~(page - 1);
            h = (hi[i] + page - 1) & ~(page - 1);
            if (phi != 0 && l <= phi) {
                if (h > phi) phi = h;
                continue;
            }
        }
        if (phi != 0) {
            void *mm = map_at(plo, phi);
            // "Memory that the heap occupies starts out as garbage": an odd byte pattern,
            // so no word of it (whole, or cut by a partial clear, which keeps its low byte)
            // is ever a block-aligned heap address or a type object's address.
            memset(mm, 0xa5, phi - plo);
        }
        plo = l;
        phi = h;
    }
    // Type objects: traceMachine's flash region, at alignUp(top padded end + 64 KiB, 64 KiB).
    map_at(top, top + page);
    for (int i = 0; i < 12; i++) mcu_gc_type_object[i] = (const mp_obj_type_t *)(top + (uintptr_t)i * 0x40);
}

// Splits a line into at most 8 tokens, dropping a `#` comment; returns the count.
static int tokenize(char *line, char **tok) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    int nt = 0;
    for (char *t = strtok(line, " \t\r\n"); t && nt < 8; t = strtok(NULL, " \t\r\n")) tok[nt++] = t;
    for (int i = nt; i < 8; i++) tok[i] = NULL;
    return nt;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    // The whole trace first: every `heap` range is mapped before the first operation.
    char **lines = NULL;
    size_t n_lines = 0, cap_lines = 0;
    {
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, stdin) >= 0) {
            if (n_lines == cap_lines) {
                cap_lines = cap_lines ? 2 * cap_lines : 1024;
                lines = realloc(lines, cap_lines * sizeof *lines);
                if (lines == NULL) die("out of memory", NULL);
            }
            lines[n_lines++] = strdup(line);
        }
        free(line);
    }
    {
        uintptr_t starts[MAX_HEAPS], ends[MAX_HEAPS];
        int n = 0;
        for (size_t k = 0; k < n_lines; k++) {
            cur_line = (long)k + 1;
            char buf[512];
            snprintf(buf, sizeof buf, "%s", lines[k]);
            char *tok[8];
            if (tokenize(buf, tok) == 0 || strcmp(tok[0], "heap")) continue;
            if (n == MAX_HEAPS) die("too many heap lines", NULL);
            starts[n] = (uintptr_t)number(tok[1]);
            ends[n] = (uintptr_t)number(tok[2]);
            if (ends[n] <= starts[n]) die("empty heap range", tok[1]);
            n++;
        }
        cur_line = 0;
        if (n > 0) map_heaps(starts, ends, n);
    }

    bool have_heap = false;
    for (size_t k = 0; k < n_lines; k++) {
        cur_line = (long)k + 1;
        char *tok[8];
        int nt = tokenize(lines[k], tok);
        if (nt == 0) continue;
        const char *op = tok[0];

        // header: checked against the configuration this binary was compiled for
        if (!strcmp(op, "gc")) {
            #ifdef MCU_GC_V128
            // v1.27 is this gc.c without the weakref table (the `weakref` line checks that)
            if (!tok[1] || (strcmp(tok[1], "v1.27") && strcmp(tok[1], "v1.28"))) die("this oracle is a v1.27/v1.28 gc.c, not", tok[1]);
            if (!strcmp(tok[1], "v1.27") && MICROPY_PY_WEAKREF) die("v1.27 has no weakref table", NULL);
            #else
            if (!tok[1] || strcmp(tok[1], "v1.9.4")) die("this oracle is v1.9.4's gc.c, not", tok[1]);
            #endif
        } else if (!strcmp(op, "word")) {
            if (number(tok[1]) != sizeof(void *)) die("built for another word size than", tok[1]);
        } else if (!strcmp(op, "block")) {
            if (number(tok[1]) != MICROPY_BYTES_PER_GC_BLOCK) die("built for another block size than", tok[1]);
        } else if (!strcmp(op, "finaliser")) {
            if (number(tok[1]) != MICROPY_ENABLE_FINALISER) die("built for another finaliser setting than", tok[1]);
        } else if (!strcmp(op, "gcstack")) {
            uint64_t n = number(tok[1]);
            if (n < 1 || n > MCU_GC_STACK_CAPACITY) die("gcstack out of range", tok[1]);
            mcu_gc_stack_size = (size_t)n;
        } else if (!strcmp(op, "clear")) {
            if (number(tok[1]) != MICROPY_GC_CONSERVATIVE_CLEAR) die("built for another clear setting than", tok[1]);
        } else if (!strcmp(op, "split")) {
            if (number(tok[1]) != MICROPY_GC_SPLIT_HEAP) die("built for another split setting than", tok[1]);
        } else if (!strcmp(op, "weakref")) {
            if (number(tok[1]) != MICROPY_PY_WEAKREF) die("built for another weakref setting than", tok[1]);
        } else if (!strcmp(op, "heap")) {
            uintptr_t s = (uintptr_t)number(tok[1]), e = (uintptr_t)number(tok[2]);
            heap_start[n_heaps] = s;
            heap_end[n_heaps] = e;
            n_heaps++;
            if (!have_heap) {
                gc_init((void *)s, (void *)e);
                have_heap = true;
            } else {
                #if MICROPY_GC_SPLIT_HEAP
                gc_add((void *)s, (void *)e);
                #else
                die("a second heap needs split 1 (gc_add)", NULL);
                #endif
            }
        } else if (!have_heap) {
            die("operation before the heap line", op);
        } else if (!strcmp(op, "alloc")) {
            uintptr_t *h = handle(tok[1]);
            bool fin = tok[3] && !strcmp(tok[3], "fin");
            void *p = GC_ALLOC((size_t)number(tok[2]), fin);
            check_block(p);
            *h = (uintptr_t)p;
            print_ptr("alloc", tok[1], *h);
        } else if (!strcmp(op, "free")) {
            uintptr_t *h = handle(tok[1]);
            if (*h != 0 && !is_head(*h)) out_printf("free %s = invalid\n", tok[1]);
            else gc_free((void *)*h);
        } else if (!strcmp(op, "realloc")) {
            uintptr_t *h = handle(tok[1]);
            size_t size = (size_t)number(tok[2]);
            bool move = !(tok[3] && !strcmp(tok[3], "nomove"));
            if (*h != 0 && !is_head(*h)) {
                out_printf("realloc %s = invalid\n", tok[1]);
                continue;
            }
            realloc_root = (void *)*h;
            void *r = gc_realloc((void *)*h, size, move);
            realloc_root = NULL;
            check_block(r);
            if (r != NULL || size == 0) *h = (uintptr_t)r;
            print_ptr("realloc", tok[1], (uintptr_t)r);
        } else if (!strcmp(op, "setp")) {
            uintptr_t p = *handle(tok[1]);
            uint64_t index = number(tok[2]);
            uintptr_t t = handle_or_null(tok[3]);
            uint64_t off = tok[4] ? number(tok[4]) : 0;
            store(p, index, t == 0 ? 0 : (uint64_t)t + off);
        } else if (!strcmp(op, "setw")) {
            uintptr_t p = *handle(tok[1]);
            store(p, number(tok[2]), number(tok[3]));
        } else if (!strcmp(op, "type")) {
            uintptr_t p = *handle(tok[1]);
            const mp_obj_type_t *t = NULL;
            for (size_t i = 0; i < 12; i++)
                if (tok[2] && !strcmp(tok[2], TYPE_NAMES[i])) t = mcu_gc_type_object[i];
            if (t == NULL) die("unknown type", tok[2]);
            store(p, 0, (uintptr_t)t);
        } else if (!strcmp(op, "root") || !strcmp(op, "rootw") || !strcmp(op, "stack") || !strcmp(op, "stackw")) {
            uint64_t k = number(tok[1]);
            bool root = op[0] == 'r';
            if (k >= (root ? MCU_GC_ROOT_SLOTS : STACK_SLOTS)) die("slot out of range", tok[1]);
            uintptr_t v = op[strlen(op) - 1] == 'w' ? (uintptr_t)number(tok[2]) : handle_or_null(tok[2]);
            if (root) MP_STATE_VM(root_slots)[k] = (void *)v;
            else stack_slots[k] = (void *)v;
        } else if (!strcmp(op, "collect")) {
            gc_collect();
            out_printf("collect freed=%lu finalised=", (unsigned long)MP_STATE_MEM(gc_collected));
            if (n_finalised == 0) out_str("-", 1);
            for (size_t i = 0; i < n_finalised; i++) out_printf("%s0x%lx", i ? "," : "", (unsigned long)finalised[i]);
            #if MICROPY_PY_WEAKREF
            out_str(" weak=", 6);
            if (n_weak == 0) out_str("-", 1);
            for (size_t i = 0; i < n_weak; i++) out_printf("%s0x%lx", i ? "," : "", (unsigned long)weak[i]);
            #endif
            out_str("\n", 1);
        } else if (!strcmp(op, "lock")) {
            gc_lock();
        } else if (!strcmp(op, "unlock")) {
            gc_unlock();
        } else if (!strcmp(op, "threshold")) {
            MP_STATE_MEM(gc_alloc_threshold) = tok[1] && !strcmp(tok[1], "off") ? (size_t)-1 : (size_t)number(tok[1]);
        } else if (!strcmp(op, "auto")) {
            MP_STATE_MEM(gc_auto_collect_enabled) = (uint16_t)number(tok[1]);
        } else if (!strcmp(op, "info")) {
            gc_info_t i;
            gc_info(&i);
            out_printf("info total=%lu used=%lu free=%lu max_free=%lu n1=%lu n2=%lu max_block=%lu\n",
                (unsigned long)i.total, (unsigned long)i.used, (unsigned long)i.free, (unsigned long)i.max_free,
                (unsigned long)i.num_1block, (unsigned long)i.num_2block, (unsigned long)i.max_block);
        } else if (!strcmp(op, "dump")) {
            GC_DUMP();
        } else if (!strcmp(op, "nbytes")) {
            uintptr_t p = *handle(tok[1]);
            out_printf("nbytes %s = %lu\n", tok[1], (unsigned long)gc_nbytes((void *)p));
        #if MICROPY_PY_WEAKREF
        } else if (!strcmp(op, "weak")) {
            uintptr_t p = handle_or_null(tok[1]);
            if (p == 0 || !is_head(p)) out_printf("weak %s = invalid\n", tok[1]);
            else gc_weakref_mark((void *)p);
        #endif
        } else if (!strcmp(op, "stats")) {
            out_printf("stats collections=%lu\n", collections);
        } else {
            die("unknown or unsupported operation", op);
        }
    }
    out_flush();
    return 0;
}
