// The built-in workloads: deterministic (seeded) programs modelled on what MicroPython
// applications allocate. Each keeps its long-lived data in __main__'s globals (reachable from
// the root section) and its temporaries in VM-frame locals (the scanned C stack), so garbage
// is exactly what the program stopped referencing.
// Pure module.

import type { Mutator, Obj } from './mutator.js';
import type { Workload, WorkloadContext } from './types.js';

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.floor(x)));

/**
 * while True: r = (t, temp, hum, press); readings.append(r); if len(readings) > N: readings.pop(0)
 *             lines.append('%d,%.2f,%.2f,%.2f' % r); every 16 lines: f.write('\n'.join(lines)); lines.clear()
 */
const sensorLogger: Workload = {
  name: 'sensor-logger',
  summary: 'sample 3 sensors, keep a ring of readings, format CSV lines, flush every 16',
  description:
    'Each sample makes three floats and a 4-tuple, appends it to a ring list of the last N readings (N scaled to the heap, popping the oldest), ' +
    "formats a ~40-character CSV line through a vstr (reallocs as it grows) and appends it to a list; every 16 lines it joins them into one str " +
    '(the file write) and clears the list. Steady state: small short-lived objects, a slowly rotating ring, periodic bigger strings.',
  iterations: 3000,
  run(m: Mutator, ctx: WorkloadContext): void {
    const ringLen = clamp(ctx.heapBytes / 1500, 8, 200);
    const readings = m.list(4);
    ctx.setGlobal(readings);
    const lines = m.list(4);
    ctx.setGlobal(lines);
    const n = Math.round(this.iterations * ctx.scale);
    for (let i = 0; i < n; i++) {
      m.attempt(() => {
        const f: Obj[] = [];
        for (let k = 0; k < 3; k++) {
          const x = m.float();
          m.setLocal(k, x);
          f.push(x);
        }
        const t = m.tuple(f);
        m.setLocal(3, t);
        m.append(readings, t);
        if (readings.len! > ringLen) m.popFront(readings);
        const line = m.strBuilt(30 + ctx.rng.int(0, 16), 6);
        m.setLocal(4, line);
        m.append(lines, line);
        if (lines.len! >= 16) {
          const total = lines.elems!.reduce((s, o) => s + o.len! + 1, 0);
          const blob = m.strBuilt(total, 48);
          m.setLocal(5, blob);
          m.clear(lines);
          m.setLocal(5, null);
        }
      });
      for (let k = 0; k < 6; k++) m.setLocal(k, null);
    }
  },
};

/**
 * for each request: s = socket(); s.send(b'GET ...'); buf = bytearray(); while chunk: buf.extend(s.recv(536))
 *                   doc = json.loads(buf.decode()); history.append(doc); if len(history) > 4: history.pop(0); s.close()
 */
const httpJson: Workload = {
  name: 'http-json',
  summary: 'bursts of HTTP requests: socket, request str, response grown in 536-byte chunks, json.loads into dicts',
  description:
    'Each request makes a socket object with a finaliser (__del__), builds the request line and headers as a str, receives a 0.5–4 KiB response ' +
    'into a bytearray grown chunk by chunk (realloc), decodes it to a str and parses it into a dict of 6–14 keys holding strs, floats and a list of ' +
    'floats; the last 4 documents stay in a history list. Bursts of 4–10 requests alternate with idle periods of small allocations. ' +
    'Exercises realloc, finalisers and mixed sizes.',
  iterations: 700,
  run(m: Mutator, ctx: WorkloadContext): void {
    const rng = ctx.rng;
    const history = m.list(4);
    ctx.setGlobal(history);
    const maxResp = clamp(ctx.heapBytes / 10, 512, 4096);
    const n = Math.round(this.iterations * ctx.scale);
    let burst = 0;
    for (let i = 0; i < n; i++) {
      if (burst === 0) {
        // Idle: the main loop ticks, a few small objects come and go.
        m.attempt(() => {
          for (let k = 0; k < 8; k++) m.setLocal(0, rng.chance(0.5) ? m.float() : m.str(rng.int(4, 20)));
        });
        m.setLocal(0, null);
        burst = rng.int(4, 10);
        continue;
      }
      burst--;
      m.attempt(() => {
        const sock = m.instance(6, true);
        m.setLocal(0, sock);
        m.setLocal(1, m.strBuilt(rng.int(90, 160), 12, 'bytes'));
        const size = rng.int(512, maxResp);
        const buf = m.bytearray(536);
        m.setLocal(2, buf);
        for (let got = 536; got < size; got = Math.min(size, got + 536)) {
          m.setLocal(3, m.str(536, 'bytes'));
          m.grow(buf, Math.min(size, got + 536));
        }
        const text = m.str(size);
        m.setLocal(3, text);
        m.setLocal(2, null);
        const keys = rng.int(6, 14);
        const doc = m.dict(0);
        m.setLocal(4, doc);
        for (let k = 0; k < keys; k++) {
          const key = m.str(rng.int(3, 12));
          m.setLocal(5, key);
          let val: Obj;
          const kind = rng.int(0, 3);
          if (kind === 0) val = m.float();
          else if (kind === 1) val = m.str(rng.int(4, 60));
          else if (kind === 2) {
            val = m.list(0);
            m.setLocal(6, val);
            const items = rng.int(2, 12);
            for (let j = 0; j < items; j++) m.append(val, m.float());
          } else val = m.instance(4);
          m.setLocal(6, val);
          m.dictSet(doc, key, val);
        }
        m.append(history, doc);
        if (history.len! > 4) m.popFront(history);
      });
      for (let k = 0; k < 7; k++) m.setLocal(k, null);
    }
  },
};

/**
 * s = ''; for piece in pieces: s += piece  (each += makes a new str of the joined length)
 * then: parts = []; parts.append(piece)...; s = ''.join(parts)
 */
const stringBuilding: Workload = {
  name: 'string-building',
  summary: "s += piece in a loop (quadratic garbage), then the same text via ''.join(list)",
  description:
    "Builds a report string two ways, alternately: with s += piece (every += copies the whole string into a fresh str and drops the old one, " +
    "so garbage grows quadratically and large free runs are needed) and by appending the pieces to a list and calling ''.join once. " +
    'The target length is scaled to the heap (a sixth of it, at most 8 KiB). Shows how quickly += fragments the heap.',
  iterations: 160,
  run(m: Mutator, ctx: WorkloadContext): void {
    const rng = ctx.rng;
    const target = clamp(ctx.heapBytes / 6, 256, 8192);
    const last = m.str(0);
    const slot = ctx.setGlobal(last);
    const n = Math.round(this.iterations * ctx.scale);
    for (let i = 0; i < n; i++) {
      m.attempt(() => {
        if (i % 2 === 0) {
          let s = m.str(0);
          m.setLocal(0, s);
          while (s.len! < target) {
            const piece = m.str(rng.int(8, 40));
            m.setLocal(1, piece);
            s = m.str(s.len! + piece.len!);
            m.setLocal(0, s);
          }
          m.dictReplace(ctx.globals, slot, s);
        } else {
          const parts = m.list(4);
          m.setLocal(0, parts);
          let len = 0;
          while (len < target) {
            const piece = m.str(rng.int(8, 40));
            m.append(parts, piece);
            len += piece.len!;
          }
          const s = m.str(len);
          m.setLocal(1, s);
          m.dictReplace(ctx.globals, slot, s);
        }
      });
      m.setLocal(0, null);
      m.setLocal(1, null);
    }
  },
};

/**
 * Long-lived small objects interleaved with short-lived buffers, then ever larger
 * bytearray(n) requests until MemoryError: the classic "plenty free, nothing big enough".
 */
const fragmentation: Workload = {
  name: 'fragmentation',
  summary: 'pin small objects between short-lived buffers, then ask for ever larger buffers until MemoryError',
  description:
    'Rounds of: allocate medium buffers (64–600 bytes) interleaved with small long-lived objects kept in a global list (one in three survives), ' +
    'drop the buffers, then request bytearrays of growing size until one fails (MemoryError), noting the largest that fitted; every few rounds ' +
    'half of the survivors are released. Free memory ends up in holes between pinned objects, so large requests fail long before the heap is full.',
  iterations: 120,
  run(m: Mutator, ctx: WorkloadContext): void {
    const rng = ctx.rng;
    const keep = m.list(4);
    ctx.setGlobal(keep);
    const maxKeep = clamp(ctx.heapBytes / 200, 16, 2000);
    const big = clamp(ctx.heapBytes * 1.5, 1024, 512 << 10);
    const n = Math.round(this.iterations * ctx.scale);
    for (let i = 0; i < n; i++) {
      m.attempt(() => {
        const tmp = m.list(0);
        m.setLocal(0, tmp);
        for (let k = 0; k < 24; k++) {
          m.append(tmp, rng.chance(0.5) ? m.buffer(rng.int(64, 600)) : m.bytearray(rng.int(64, 400)));
          if (k % 3 === 0 && keep.len! < maxKeep) m.append(keep, rng.chance(0.5) ? m.float() : m.instance(2));
        }
        m.setLocal(0, null);
      });
      let size = 256;
      while (size <= big) {
        const ok = m.attempt(() => {
          m.setLocal(1, m.bytearray(size));
        });
        m.setLocal(1, null);
        if (!ok) break;
        size = Math.floor(size * 1.5);
      }
      if (i % 8 === 7 && keep.len! > 0) {
        m.attempt(() => {
          for (let k = Math.floor(keep.len! / 2); k > 0; k--) m.popFront(keep);
        });
      }
    }
  },
};

/** A cache dict with insert/evict churn: dict rehash, tuple and str values, instances. */
const dictCache: Workload = {
  name: 'dict-cache',
  summary: 'an LRU-ish cache dict: insert str keys with tuple/instance values, rebuild the dict when it gets too big',
  description:
    'Inserts entries (a short str key, a value that is a 2–6 item tuple of floats or a small class instance) into a dict until it holds N entries ' +
    '(scaled to the heap), then rebuilds it keeping the newest half — as `cache = {k: v for k, v in cache.items() if ...}` does — dropping the old ' +
    'table. Exercises mp_map rehash growth (hash_allocation_sizes), many 1- and 2-block objects and periodic large table allocations.',
  iterations: 2500,
  run(m: Mutator, ctx: WorkloadContext): void {
    const rng = ctx.rng;
    const maxEntries = clamp(ctx.heapBytes / 400, 16, 1500);
    let cache = m.dict(0);
    const slot = ctx.setGlobal(cache);
    const n = Math.round(this.iterations * ctx.scale);
    for (let i = 0; i < n; i++) {
      m.attempt(() => {
        const key = m.str(rng.int(4, 14));
        m.setLocal(0, key);
        let val: Obj;
        if (rng.chance(0.6)) {
          const items: Obj[] = [];
          const k = rng.int(2, 6);
          for (let j = 0; j < k; j++) {
            const f = m.float();
            m.setLocal(2 + j, f);
            items.push(f);
          }
          val = m.tuple(items);
        } else val = m.instance(rng.int(3, 8));
        m.setLocal(1, val);
        m.dictSet(cache, key, val);
        if (cache.used! >= maxEntries) {
          const fresh = m.dict(0);
          m.setLocal(8, fresh);
          const half = Math.floor(cache.used! / 2);
          for (let e = half; e < cache.used!; e++) m.dictSet(fresh, cache.elems![2 * e]!, cache.elems![2 * e + 1]!);
          m.dictReplace(ctx.globals, slot, fresh);
          cache = fresh;
        }
      });
      for (let k = 0; k < 9; k++) m.setLocal(k, null);
    }
  },
};

export const BUILTIN_WORKLOADS: readonly Workload[] = [sensorLogger, httpJson, stringBuilding, fragmentation, dictCache];

export const DEFAULT_WORKLOAD = 'sensor-logger';

export function findWorkload(name: string): Workload | undefined {
  return BUILTIN_WORKLOADS.find((w) => w.name === name);
}
