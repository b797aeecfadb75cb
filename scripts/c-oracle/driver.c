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
// Addresses finalised / weakly referenced in the current collection (grown as needed:
// one collection of a large heap can finalise hundreds of thousands of objects).
static uintptr_t *finalised;
static size_t n_finalised, cap_finalised;
#if MICROPY_PY_WEAKREF
static uintptr_t *weak;
static size_t cap_weak;
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

static inline void out_cstr(const char *s) {
    out_str(s, strlen(s));
}

// Unsigned decimal and 0x-hex numbers, formatted by hand: the benchmark's native baseline
// prints hundreds of thousands of them.
static void out_dec(unsigned long v) {
    char tmp[24];
    char *e = tmp + sizeof tmp, *q = e;
    do {
        *--q = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_str(q, (size_t)(e - q));
}

static void out_hex(unsigned long v) {
    char tmp[24];
    char *e = tmp + sizeof tmp, *q = e;
    do {
        *--q = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    *--q = 'x';
    *--q = '0';
    out_str(q, (size_t)(e - q));
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
    if (n_finalised == cap_finalised) {
        cap_finalised = cap_finalised ? 2 * cap_finalised : 1024;
        finalised = realloc(finalised, cap_finalised * sizeof *finalised);
        if (finalised == NULL) _exit(5);
    }
    finalised[n_finalised++] = (uintptr_t)arg;
    return MP_OBJ_NULL;
}

#if MICROPY_PY_WEAKREF
// py/modweakref.c would drop the object's weak references here; the trace records it.
void gc_weakref_about_to_be_freed(void *ptr) {
    if (n_weak == cap_weak) {
        cap_weak = cap_weak ? 2 * cap_weak : 1024;
        weak = realloc(weak, cap_weak * sizeof *weak);
        if (weak == NULL) _exit(5);
    }
    weak[n_weak++] = (uintptr_t)ptr;
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

// Decimal or 0x hex, nothing else (no sign, no blanks), at most 64 bits.
static uint64_t number(const char *s) {
    if (s == NULL) die("missing number", NULL);
    uint64_t v = 0;
    const char *c = s;
    if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
        c += 2;
        if (!*c) die("bad number", s);
        for (; *c; c++) {
            unsigned d;
            if (*c >= '0' && *c <= '9') d = (unsigned)(*c - '0');
            else if ((*c | 32) >= 'a' && (*c | 32) <= 'f') d = (unsigned)((*c | 32) - 'a' + 10);
            else die("bad number", s);
            if (v >> 60) die("bad number", s);
            v = v << 4 | d;
        }
    } else {
        if (!*c) die("bad number", s);
        for (; *c; c++) {
            if (*c < '0' || *c > '9') die("bad number", s);
            uint64_t d = (uint64_t)(*c - '0');
            if (v > (UINT64_MAX - d) / 10) die("bad number", s);
            v = v * 10 + d;
        }
    }
    return v;
}

// Handles: name -> current pointer value, in an open-addressing table that doubles at half
// full. Names point into the input buffer (NUL-terminated by the tokenizer, kept to the end).
struct handle_slot {
    const char *name;
    uint32_t hash;
    uintptr_t value;
};
static struct handle_slot *handles;
static uint32_t handles_mask, n_handles;

static void handles_grow(void) {
    uint32_t cap = handles ? 2 * (handles_mask + 1) : 1u << 12;
    struct handle_slot *t = calloc(cap, sizeof *t);
    if (t == NULL) die("out of memory", NULL);
    for (uint32_t i = 0; handles && i <= handles_mask; i++) {
        if (handles[i].name == NULL) continue;
        uint32_t k = handles[i].hash & (cap - 1);
        while (t[k].name != NULL) k = (k + 1) & (cap - 1);
        t[k] = handles[i];
    }
    free(handles);
    handles = t;
    handles_mask = cap - 1;
}

static uintptr_t *handle(const char *name) {
    if (name == NULL) die("missing name", NULL);
    uint32_t h = 2166136261u;
    for (const char *c = name; *c; c++) h = (h ^ (uint8_t)*c) * 16777619u;
    if (handles == NULL || 2 * (n_handles + 1) > handles_mask + 1) handles_grow();
    for (uint32_t k = h & handles_mask;; k = (k + 1) & handles_mask) {
        struct handle_slot *e = &handles[k];
        if (e->name == NULL) {
            e->name = name;
            e->hash = h;
            e->value = 0;
            n_handles++;
            return &e->value;
        }
        if (e->hash == h && strcmp(e->name, name) == 0) return &e->value;
    }
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

// `OP NAME = 0x...` (or NULL), and `OP NAME = ` before a value.
static void print_name(const char *op, const char *name) {
    out_cstr(op);
    out_str(" ", 1);
    out_cstr(name);
    out_str(" = ", 3);
}

static void print_ptr(const char *op, const char *name, uintptr_t p) {
    print_name(op, name);
    if (p == 0) out_str("NULL\n", 5);
    else {
        out_hex((unsigned long)p);
        out_str("\n", 1);
    }
}

static void print_invalid(const char *op, const char *name) {
    print_name(op, name);
    out_str("invalid\n", 8);
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

// Trace keywords: header lines first, then operations (which need a heap).
enum op_kind {
    OP_UNKNOWN, OP_GC, OP_WORD, OP_BLOCK, OP_FINALISER, OP_GCSTACK, OP_CLEAR, OP_SPLIT, OP_WEAKREF, OP_HEAP,
    OP_ALLOC, OP_FREE, OP_REALLOC, OP_SETP, OP_SETW, OP_TYPE, OP_ROOT, OP_ROOTW, OP_STACK, OP_STACKW, OP_COLLECT,
    OP_LOCK, OP_UNLOCK, OP_THRESHOLD, OP_AUTO, OP_INFO, OP_DUMP, OP_NBYTES, OP_WEAK, OP_STATS,
};

// One switch on the first letter, then one strcmp (a few for the letters keywords share).
static enum op_kind op_kind(const char *op) {
    #define IS(s, k) if (!strcmp(op, s)) return k
    switch (op[0]) {
        case 'a': IS("alloc", OP_ALLOC); IS("auto", OP_AUTO); break;
        case 'b': IS("block", OP_BLOCK); break;
        case 'c': IS("collect", OP_COLLECT); IS("clear", OP_CLEAR); break;
        case 'd': IS("dump", OP_DUMP); break;
        case 'f': IS("free", OP_FREE); IS("finaliser", OP_FINALISER); break;
        case 'g': IS("gc", OP_GC); IS("gcstack", OP_GCSTACK); break;
        case 'h': IS("heap", OP_HEAP); break;
        case 'i': IS("info", OP_INFO); break;
        case 'l': IS("lock", OP_LOCK); break;
        case 'n': IS("nbytes", OP_NBYTES); break;
        case 'r': IS("root", OP_ROOT); IS("realloc", OP_REALLOC); IS("rootw", OP_ROOTW); break;
        case 's': IS("setp", OP_SETP); IS("setw", OP_SETW); IS("stack", OP_STACK); IS("stackw", OP_STACKW);
            IS("stats", OP_STATS); IS("split", OP_SPLIT); break;
        case 't': IS("type", OP_TYPE); IS("threshold", OP_THRESHOLD); break;
        case 'u': IS("unlock", OP_UNLOCK); break;
        case 'w': IS("word", OP_WORD); IS("weakref", OP_WEAKREF); IS("weak", OP_WEAK); break;
    }
    #undef IS
    return OP_UNKNOWN;
}

// Splits a line (NUL-terminated) into at most 8 tokens in place, dropping a `#` comment;
// returns the count.
static int tokenize(char *c, char **tok) {
    int nt = 0;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\r') c++;
        if (*c == '\0' || *c == '#' || nt == 8) break;
        tok[nt++] = c;
        while (*c && *c != ' ' && *c != '\t' && *c != '\r' && *c != '#') c++;
        if (*c == '#' || *c == '\0') {
            *c = '\0';
            break;
        }
        *c++ = '\0';
    }
    for (int i = nt; i < 8; i++) tok[i] = NULL;
    return nt;
}

// The whole of stdin in one buffer, with a NUL after it.
static char *read_input(size_t *len) {
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) die("out of memory", NULL);
        if (cap - n < 2) buf = realloc(buf, cap *= 2);
        if (buf == NULL) die("out of memory", NULL);
        ssize_t r = read(0, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) die("cannot read the trace", strerror(errno));
        if (r == 0) break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    // The whole trace first: every `heap` range is mapped before the first operation.
    size_t in_len;
    char *input = read_input(&in_len);
    char *in_end = input + in_len;
    {
        uintptr_t starts[MAX_HEAPS], ends[MAX_HEAPS];
        int n = 0;
        cur_line = 0;
        for (char *line = input; line < in_end;) {
            char *nl = memchr(line, '\n', (size_t)(in_end - line));
            char *next = nl ? nl + 1 : in_end;
            cur_line++;
            char *c = line;
            while (*c == ' ' || *c == '\t') c++;
            // Only `heap` lines matter here: copy and tokenize just those.
            if (!strncmp(c, "heap", 4)) {
                char buf[512];
                size_t len = (size_t)(next - line) < sizeof buf - 1 ? (size_t)(next - line) : sizeof buf - 1;
                memcpy(buf, line, len);
                buf[len] = '\0';
                if (len && buf[len - 1] == '\n') buf[len - 1] = '\0';
                char *tok[8];
                if (tokenize(buf, tok) > 0 && !strcmp(tok[0], "heap")) {
                    if (n == MAX_HEAPS) die("too many heap lines", NULL);
                    starts[n] = (uintptr_t)number(tok[1]);
                    ends[n] = (uintptr_t)number(tok[2]);
                    if (ends[n] <= starts[n]) die("empty heap range", tok[1]);
                    n++;
                }
            }
            line = next;
        }
        cur_line = 0;
        if (n > 0) map_heaps(starts, ends, n);
    }

    bool have_heap = false;
    for (char *line = input, *next; line < in_end; line = next) {
        char *nl = memchr(line, '\n', (size_t)(in_end - line));
        if (nl) {
            *nl = '\0';
            next = nl + 1;
        } else {
            next = in_end;
        }
        cur_line++;
        char *tok[8];
        int nt = tokenize(line, tok);
        if (nt == 0) continue;
        const char *op = tok[0];
        enum op_kind k = op_kind(op);
        if (k >= OP_ALLOC && !have_heap) die("operation before the heap line", op);

        // header: checked against the configuration this binary was compiled for
        if (k == OP_GC) {
            #ifdef MCU_GC_V128
            // v1.27 is this gc.c without the weakref table (the `weakref` line checks that)
            if (!tok[1] || (strcmp(tok[1], "v1.27") && strcmp(tok[1], "v1.28"))) die("this oracle is a v1.27/v1.28 gc.c, not", tok[1]);
            if (!strcmp(tok[1], "v1.27") && MICROPY_PY_WEAKREF) die("v1.27 has no weakref table", NULL);
            #else
            if (!tok[1] || strcmp(tok[1], "v1.9.4")) die("this oracle is v1.9.4's gc.c, not", tok[1]);
            #endif
        } else if (k == OP_WORD) {
            if (number(tok[1]) != sizeof(void *)) die("built for another word size than", tok[1]);
        } else if (k == OP_BLOCK) {
            if (number(tok[1]) != MICROPY_BYTES_PER_GC_BLOCK) die("built for another block size than", tok[1]);
        } else if (k == OP_FINALISER) {
            if (number(tok[1]) != MICROPY_ENABLE_FINALISER) die("built for another finaliser setting than", tok[1]);
        } else if (k == OP_GCSTACK) {
            uint64_t n = number(tok[1]);
            if (n < 1 || n > MCU_GC_STACK_CAPACITY) die("gcstack out of range", tok[1]);
            mcu_gc_stack_size = (size_t)n;
        } else if (k == OP_CLEAR) {
            if (number(tok[1]) != MICROPY_GC_CONSERVATIVE_CLEAR) die("built for another clear setting than", tok[1]);
        } else if (k == OP_SPLIT) {
            if (number(tok[1]) != MICROPY_GC_SPLIT_HEAP) die("built for another split setting than", tok[1]);
        } else if (k == OP_WEAKREF) {
            if (number(tok[1]) != MICROPY_PY_WEAKREF) die("built for another weakref setting than", tok[1]);
        } else if (k == OP_HEAP) {
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
        } else if (k == OP_ALLOC) {
            uintptr_t *h = handle(tok[1]);
            bool fin = tok[3] && !strcmp(tok[3], "fin");
            void *p = GC_ALLOC((size_t)number(tok[2]), fin);
            check_block(p);
            *h = (uintptr_t)p;
            print_ptr("alloc", tok[1], *h);
        } else if (k == OP_FREE) {
            uintptr_t *h = handle(tok[1]);
            if (*h != 0 && !is_head(*h)) print_invalid("free", tok[1]);
            else gc_free((void *)*h);
        } else if (k == OP_REALLOC) {
            uintptr_t *h = handle(tok[1]);
            size_t size = (size_t)number(tok[2]);
            bool move = !(tok[3] && !strcmp(tok[3], "nomove"));
            if (*h != 0 && !is_head(*h)) {
                print_invalid("realloc", tok[1]);
                continue;
            }
            realloc_root = (void *)*h;
            void *r = gc_realloc((void *)*h, size, move);
            realloc_root = NULL;
            check_block(r);
            if (r != NULL || size == 0) *h = (uintptr_t)r;
            print_ptr("realloc", tok[1], (uintptr_t)r);
        } else if (k == OP_SETP) {
            uintptr_t p = *handle(tok[1]);
            uint64_t index = number(tok[2]);
            uintptr_t t = handle_or_null(tok[3]);
            uint64_t off = tok[4] ? number(tok[4]) : 0;
            store(p, index, t == 0 ? 0 : (uint64_t)t + off);
        } else if (k == OP_SETW) {
            uintptr_t p = *handle(tok[1]);
            store(p, number(tok[2]), number(tok[3]));
        } else if (k == OP_TYPE) {
            uintptr_t p = *handle(tok[1]);
            const mp_obj_type_t *t = NULL;
            for (size_t i = 0; i < 12 && t == NULL; i++)
                if (tok[2] && !strcmp(tok[2], TYPE_NAMES[i])) t = mcu_gc_type_object[i];
            if (t == NULL) die("unknown type", tok[2]);
            store(p, 0, (uintptr_t)t);
        } else if (k == OP_ROOT || k == OP_ROOTW || k == OP_STACK || k == OP_STACKW) {
            uint64_t slot = number(tok[1]);
            bool root = k == OP_ROOT || k == OP_ROOTW;
            if (slot >= (root ? MCU_GC_ROOT_SLOTS : STACK_SLOTS)) die("slot out of range", tok[1]);
            uintptr_t v = (k == OP_ROOTW || k == OP_STACKW) ? (uintptr_t)number(tok[2]) : handle_or_null(tok[2]);
            if (root) MP_STATE_VM(root_slots)[slot] = (void *)v;
            else stack_slots[slot] = (void *)v;
        } else if (k == OP_COLLECT) {
            gc_collect();
            out_cstr("collect freed=");
            out_dec((unsigned long)MP_STATE_MEM(gc_collected));
            out_cstr(" finalised=");
            if (n_finalised == 0) out_str("-", 1);
            for (size_t i = 0; i < n_finalised; i++) {
                if (i) out_str(",", 1);
                out_hex((unsigned long)finalised[i]);
            }
            #if MICROPY_PY_WEAKREF
            out_str(" weak=", 6);
            if (n_weak == 0) out_str("-", 1);
            for (size_t i = 0; i < n_weak; i++) {
                if (i) out_str(",", 1);
                out_hex((unsigned long)weak[i]);
            }
            #endif
            out_str("\n", 1);
        } else if (k == OP_LOCK) {
            gc_lock();
        } else if (k == OP_UNLOCK) {
            gc_unlock();
        } else if (k == OP_THRESHOLD) {
            MP_STATE_MEM(gc_alloc_threshold) = tok[1] && !strcmp(tok[1], "off") ? (size_t)-1 : (size_t)number(tok[1]);
        } else if (k == OP_AUTO) {
            MP_STATE_MEM(gc_auto_collect_enabled) = (uint16_t)number(tok[1]);
        } else if (k == OP_INFO) {
            gc_info_t i;
            gc_info(&i);
            out_printf("info total=%lu used=%lu free=%lu max_free=%lu n1=%lu n2=%lu max_block=%lu\n",
                (unsigned long)i.total, (unsigned long)i.used, (unsigned long)i.free, (unsigned long)i.max_free,
                (unsigned long)i.num_1block, (unsigned long)i.num_2block, (unsigned long)i.max_block);
        } else if (k == OP_DUMP) {
            GC_DUMP();
        } else if (k == OP_NBYTES) {
            uintptr_t p = *handle(tok[1]);
            print_name("nbytes", tok[1]);
            out_dec((unsigned long)gc_nbytes((void *)p));
            out_str("\n", 1);
        #if MICROPY_PY_WEAKREF
        } else if (k == OP_WEAK) {
            uintptr_t p = handle_or_null(tok[1]);
            if (p == 0 || !is_head(p)) print_invalid("weak", tok[1]);
            else gc_weakref_mark((void *)p);
        #endif
        } else if (k == OP_STATS) {
            out_cstr("stats collections=");
            out_dec(collections);
            out_str("\n", 1);
        } else {
            die("unknown or unsupported operation", op);
        }
    }
    out_flush();
    return 0;
}
