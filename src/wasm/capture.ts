// Heap images from the WebAssembly MicroPython (npm @micropython/micropython-webassembly-pyscript,
// v1.27.0, split-heap-auto, finaliser on, 16-byte blocks, 32-bit words), run in-process.
//
// micropython.mem_info(1) prints gc_dump_info() and then gc_dump_alloc_table(); the stdout
// callback runs synchronously while it prints, so when the "GC memory layout; from XXXX:"
// line arrives we copy every heap area's memory: nothing can allocate between that line and
// the rest of the dump, so the bytes are exactly the ones the dump describes.
//
// Where the areas are: the first area's mp_state_mem_area_t lives in mp_state_ctx (static
// data). Its fields (py/mpstate.h, v1.21+, split heap + finaliser) are: next, ATB start,
// ATB length, FTB start, pool start, pool end, last free ATB index, last used block. It is
// found by its pool start (the address the dump prints) and checked for consistency; the
// other areas follow through `next` (gc_add put their descriptors in front of them).
//
// Type objects: id(t) in MicroPython is the object's address, so id(str), id(list)… give
// where mp_type_str, mp_type_list… sit in this build's static data. The analyzer therefore
// learns letters from the interpreter, not from the dump it is checked against.
//
// Roots: this port's gc_collect() only sets a flag; the collection runs at the top level
// (after the Python code returns) with gc_collect_start()/gc_collect_end() alone — the
// root-pointer section, no C stack (ports/webassembly/main.c, gc_collect_top_level). That
// section is inside mp_state_ctx, below the area descriptor; the image records the static
// data from 0x400 to the descriptor as its roots: a superset of the real root section, so
// emulated collections keep at least what the device keeps.

import type { HeapImage, ImageArea } from '../../emulator/image.js';

/** The parts of the emscripten module we use (getValue is exported; HEAPU8 is not). */
interface EmModule {
  getValue(ptr: number, type: string): number;
}

interface MicroPython {
  _module: EmModule;
  runPython(code: string): unknown;
}

export interface WasmDump {
  image: HeapImage;
  /** Everything mem_info(1) printed (stack line included), `\n` line ends. */
  memInfoText: string;
  /** From "GC: total:" to the end of the allocation table: what `analyze` must reproduce. */
  gcText: string;
}

export interface WasmRun {
  /** All output of the code, `\n` line ends. */
  output: string;
  /** One per mem_info(1) call the code made, in order. */
  dumps: WasmDump[];
}

export interface WasmBoardOptions {
  /** GC heap size the port starts with (bytes); split-heap-auto grows it. */
  heapsize?: number;
  pystack?: number;
}

const WORD = 4;
const BLOCK = 16;
/** gc_get_max_new_split() of ports/webassembly (128 MiB). Read back from the dump too. */
const LAYOUT_RE = /GC memory layout; from ([0-9a-f]+):$/;

export class WasmBoard {
  private mp!: MicroPython;
  private mod!: EmModule;
  private buf = '';
  private snapshots: Array<{ at: number; areas: ImageArea[]; pools: number[]; roots: { start: number; bytes: Uint8Array }; exactRoots: boolean }> = [];
  private pendingSnapshot = false;
  private areaStruct = -1;
  /** &MP_STATE_THREAD(dict_locals): where gc_collect_start's root scan begins. */
  private rootStart = -1;
  /** Type object addresses learnt from id(type). */
  readonly types = new Map<number, string>();

  static async open(opts: WasmBoardOptions = {}): Promise<WasmBoard> {
    const b = new WasmBoard();
    const o: Record<string, unknown> = { stdout: (chunk: Uint8Array) => b.onStdout(chunk), linebuffer: false };
    if (opts.heapsize !== undefined) o.heapsize = opts.heapsize;
    if (opts.pystack !== undefined) o.pystack = opts.pystack;
    // The package ships no type declarations; import it by name at run time.
    const pkg = '@micropython/micropython-webassembly-pyscript';
    const { loadMicroPython } = (await import(pkg)) as { loadMicroPython: (o: unknown) => Promise<MicroPython> };
    b.mp = await loadMicroPython(o);
    b.mod = b.mp._module;
    b.probeTypes();
    return b;
  }

  private onStdout(chunk: Uint8Array): void {
    for (const c of chunk) {
      this.buf += String.fromCharCode(c);
      if (c === 0x3a /* ':' */) {
        // A new mem_info() call: its "GC: total:" line comes before its table.
        if (this.buf.endsWith('GC: total:')) this.pendingSnapshot = false;
        const nl = this.buf.lastIndexOf('\n');
        const line = this.buf.slice(nl + 1);
        const m = LAYOUT_RE.exec(line);
        if (m && line.startsWith('GC memory layout')) this.onLayoutLine(parseInt(m[1]!, 16));
      }
    }
  }

  private word(addr: number): number {
    return this.mod.getValue(addr, 'i32') >>> 0;
  }

  private bytes(start: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const dv = new DataView(out.buffer);
    let k = 0;
    for (; k + 4 <= len; k += 4) dv.setUint32(k, this.word(start + k), true);
    for (; k < len; k++) out[k] = this.mod.getValue(start + k, 'i8') & 0xff;
    return out;
  }

  /** Is there an area descriptor for pool start `pool` at `a`? */
  private isAreaStruct(a: number, pool: number): boolean {
    if (this.word(a + 16) !== pool) return false;
    const atb = this.word(a + 4);
    const len = this.word(a + 8);
    const ftb = this.word(a + 12);
    const end = this.word(a + 20);
    return len > 0 && ftb === atb + len + 1 && atb < pool && end > pool && (end - pool) === len * 4 * BLOCK;
  }

  private onLayoutLine(pool: number): void {
    // The first area's line: copy every area now (later lines only confirm the chain).
    if (this.pendingSnapshot) {
      const last = this.snapshots[this.snapshots.length - 1]!;
      if (!last.pools.includes(pool)) {
        throw new Error(`mem_info printed an area at ${pool.toString(16)} that the area chain does not have`);
      }
      return;
    }
    this.pendingSnapshot = true;
    if (this.areaStruct < 0 || !this.isAreaStruct(this.areaStruct, pool)) {
      this.areaStruct = -1;
      for (let a = 0x400; a < pool; a += WORD) {
        if (this.isAreaStruct(a, pool)) {
          this.areaStruct = a;
          break;
        }
      }
      if (this.areaStruct < 0) throw new Error(`cannot find the heap area descriptor for pool ${pool.toString(16)}`);
    }
    const areas: ImageArea[] = [];
    const pools: number[] = [];
    const seen = new Set<number>();
    for (let s = this.areaStruct; s !== 0 && !seen.has(s); s = this.word(s)) {
      seen.add(s);
      const start = this.word(s + 4);
      const end = this.word(s + 20);
      pools.push(this.word(s + 16));
      areas.push({ start, end, bytes: this.bytes(start, end - start) });
    }
    const exact = this.rootStart > 0 && this.rootStart < this.areaStruct;
    const rootsStart = exact ? this.rootStart : 0x400;
    const rootsEnd = exact ? this.rootEnd(rootsStart, pools, areas) : this.areaStruct;
    this.snapshots.push({
      at: this.buf.length,
      areas,
      pools,
      roots: { start: rootsStart, bytes: this.bytes(rootsStart, rootsEnd - rootsStart) },
      exactRoots: exact && rootsEnd !== this.areaStruct,
    });
  }

  /**
   * The root section ends at &MP_STATE_VM(qstr_last_chunk) (gc_collect_start scans up to,
   * not including, it). qstr_last_chunk is recognised as a pointer to a heap head followed by
   * qstr_last_alloc and qstr_last_used (used <= alloc <= the chunk's size). Falls back to the
   * area descriptor (a superset) when no such triple is found.
   */
  private rootEnd(from: number, pools: number[], areas: ImageArea[]): number {
    for (let a = from + 8; a + 12 <= this.areaStruct; a += WORD) {
      const w = this.word(a);
      const alloc = this.word(a + 4);
      const used = this.word(a + 8);
      if (w % BLOCK !== 0 || alloc < 16 || used > alloc || used === 0) continue;
      const i = areas.findIndex((x, k) => w >= pools[k]! && w < x.end);
      if (i < 0) continue;
      const ar = areas[i]!;
      const block = (w - pools[i]!) / BLOCK;
      const kindAt = (b: number): number => (ar.bytes[b >> 2]! >> ((b & 3) << 1)) & 3;
      if (kindAt(block) !== 1) continue;
      let n = 1;
      while (kindAt(block + n) === 2) n++;
      if (n * BLOCK >= alloc) return a;
    }
    return this.areaStruct;
  }

  private probeTypes(): void {
    const out = this.run(
      [
        'import array, sys',
        'def _mcugc_f(): pass',
        "print('MCUGC-TYPES', id(tuple), id(list), id(dict), id(str), id(bytes), id(bytearray), id(array.array), id(float), id(type(_mcugc_f)), id(type(sys)))",
        'del _mcugc_f',
        "print('MCUGC-GLOBALS', id(globals()))",
      ].join('\n'),
    ).output;
    const m = /MCUGC-TYPES ([0-9 -]+)/.exec(out);
    // At the top level dict_locals and dict_globals (the first two root words) both point
    // at __main__'s globals, a dict inside mp_state_ctx: two adjacent words equal to
    // id(globals()) mark the start of the root section.
    const g = /MCUGC-GLOBALS (\d+)/.exec(out);
    if (g) {
      const ga = Number(g[1]) >>> 0;
      for (let a = 0x400; a + 8 <= ga; a += WORD) {
        if (this.word(a) === ga && this.word(a + 4) === ga) {
          this.rootStart = a;
          break;
        }
      }
    }
    if (!m) throw new Error(`type probe printed nothing usable: ${out.slice(0, 200)}`);
    const names = ['tuple', 'list', 'dict', 'str', 'bytes', 'bytearray', 'array', 'float', 'fun_bc', 'module'];
    m[1]!
      .trim()
      .split(/\s+/)
      .forEach((v, i) => this.types.set(Number(v) >>> 0, names[i]!));
  }

  /** Runs Python; every mem_info(1) it calls becomes a WasmDump. */
  run(code: string): WasmRun {
    this.buf = '';
    this.snapshots = [];
    let error: unknown;
    try {
      this.mp.runPython(code);
    } catch (e) {
      error = e;
    }
    const raw = this.buf;
    const output = raw.replace(/\r\n/g, '\n');
    if (error) {
      const msg = error instanceof Error ? error.message : String(error);
      throw new Error(`MicroPython raised: ${msg}\n${output.slice(-400)}`);
    }
    const dumps: WasmDump[] = [];
    let from = 0;
    for (const snap of this.snapshots) {
      const before = raw.slice(0, snap.at);
      const gcAt = before.lastIndexOf('GC: total:');
      const stackAt = before.lastIndexOf('stack:', gcAt);
      const startAt = stackAt >= from ? stackAt : gcAt;
      // The table runs while lines are table lines.
      const lines = raw.slice(gcAt).split('\r\n');
      let len = 0;
      let k = 0;
      for (; k < lines.length; k++) {
        const l = lines[k]!;
        const ok =
          k < 2 ||
          l.startsWith('GC memory layout; from ') ||
          /^[0-9a-f]{8}: [.=hmTLDSAFBM]*$/.test(l) ||
          /^ {7}\(\d+ lines all free\)$/.test(l);
        if (!ok) break;
        len += l.length + 2;
      }
      const gcEnd = gcAt + len;
      const memInfoText = raw.slice(startAt, gcEnd).replace(/\r\n/g, '\n');
      const gcText = raw.slice(gcAt, gcEnd).replace(/\r\n/g, '\n');
      from = gcEnd;
      const mns = /max new split: (\d+)/.exec(gcText);
      const image: HeapImage = {
        profile: 'v1.27',
        word: WORD,
        block: BLOCK,
        finaliser: true,
        split: true,
        splitAuto: true,
        weakref: false,
        areas: snap.areas,
        roots: [
          {
            ...snap.roots,
            name: snap.exactRoots ? 'root section' : 'wasm static data (superset of the root section)',
          },
        ],
        stack: [],
        types: new Map(this.types),
      };
      if (mns) image.maxNewSplit = Number(mns[1]);
      dumps.push({ image, memInfoText, gcText });
    }
    this.pendingSnapshot = false;
    return { output, dumps };
  }

  /** Runs `setup`, then mem_info(1) on its own, and returns that capture. */
  capture(setup: string): WasmDump {
    if (setup.trim()) this.run(setup);
    const r = this.run('import micropython\nmicropython.mem_info(1)');
    const d = r.dumps[r.dumps.length - 1];
    if (!d) throw new Error('mem_info(1) printed no allocation table');
    return d;
  }
}

/** One-shot: a fresh WebAssembly MicroPython, `setup` run in it, then a heap image. */
export async function captureWasmImage(setup: string, opts: WasmBoardOptions = {}): Promise<WasmDump> {
  const b = await WasmBoard.open(opts);
  return b.capture(setup);
}
