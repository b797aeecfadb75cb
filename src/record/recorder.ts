// Records a firmware's heap activity through a GDB stub: breakpoints on py/gc.c's entry
// points, arguments from the ARM calling convention (r0-r3; the return address in lr), the
// heap tables, pool and root words read at each collection. Operations go to a Shadow
// (the replay, run in lockstep), which writes the trace lines and checks the device.
//
// What each breakpoint means (MicroPython v1.27 py/gc.c and a port's gc_collect):
//   gc_init(start, end)              → the trace's `heap` line (recording starts from reset)
//   gc_alloc(n, flags)               → `alloc` (flags bit 0: GC_ALLOC_FLAG_HAS_FINALISER)
//   gc_realloc(p, n, allow_move)     → `realloc`; its own inner gc_alloc/gc_free are part of it
//   gc_free body (after NULL/lock)   → `free`
//   gc_collect() from gc_alloc       → an automatic collection: the pointer state goes before
//                                      the alloc that triggered it (the replay's alloc triggers
//                                      it again), as the trace runner collects inside `alloc`
//   gc_collect() from elsewhere      → gc.collect(): the pointer state, then `collect`
//   gc_collect_root(ptrs, len)       → root words (root-pointer section, registers + stack)
//   return from gc_collect           → the allocation table after the sweep: heads freed
//   gc_threshold (gc.threshold())    → `threshold`, read from MP_STATE_MEM at the next stop
//   gc_dump_alloc_table              → final sync, `info` and `dump`: the end of the recording
// Allocations while a collection runs (finalisers, with the heap locked: gc_alloc returns
// NULL) are not part of the program's heap activity and are left out.

import { computeAreaLayout, type AreaLayout } from '../../emulator/layout.js';
import type { GcConfig } from '../../emulator/config.js';
import type { GdbClient, StopReply } from '../gdb/client.js';
import { Divergence, Shadow, atbKind, countHeads, type DeviceHeap } from './shadow.js';
import type { GcSymbols } from './symbols.js';
import { AT_HEAD } from '../../emulator/area.js';

const SP = 13;
const LR = 14;
const PC = 15;

export interface RecordProgress {
  allocs: number;
  frees: number;
  reallocs: number;
  collections: number;
  elapsedMs: number;
}

export interface DeviceCollection {
  /** Heads the device's sweep freed (gc_collected). */
  freed: number;
  /** Heads the replay freed at the same point. */
  replayFreed: number;
  auto: boolean;
}

export interface RecordResult {
  lines: string[];
  heap: { start: number; end: number } | null;
  layout: AreaLayout | null;
  collections: DeviceCollection[];
  counts: RecordProgress;
  /** Why the recording ended: the final dump, Ctrl-C, the target exiting, or a divergence. */
  ended: 'dump' | 'interrupted' | 'exited' | 'diverged';
  divergence?: string;
  /** Allocations made while a collection ran (finalisers; gc locked), left out. */
  lockedAllocs: number;
  /** Step-overs that took an interrupt first (their breakpoint stop came back and was not counted twice). */
  interruptedSteps: number;
  /** Snapshots taken between collections (--snapshot-every). */
  extraSnapshots: number;
  gdbPackets: number;
}

type Pending =
  | { kind: 'alloc'; size: number; fin: boolean; sp: number; lr: number; collected: boolean }
  | { kind: 'realloc'; ptr: number; size: number; move: boolean; sp: number; lr: number; collected: boolean };

interface Collection {
  auto: boolean;
  sp: number;
  ret: number;
  atb: Uint8Array;
  pool: Uint8Array;
  roots: number[];
  headsBefore: number;
}

export interface RecorderOptions {
  /**
   * Also snapshot the pointer state every N allocations between collections (root section,
   * registers and C stack as a collection would scan them, and the heap): replays that
   * collect at other moments than the device then know more of its pointers.
   */
  snapshotEvery?: number;
  /** Also break where each gc_alloc/gc_realloc returns and compare its result with the replay's (slower). */
  verify?: boolean;
  onProgress?: (p: RecordProgress) => void;
  progressEveryMs?: number;
}

function inRange(a: number, r: { start: number; end: number }): boolean {
  return a >= r.start && a < r.end;
}

export class Recorder {
  private readonly lines: string[] = [];
  private shadow: Shadow | null = null;
  private layout: AreaLayout | null = null;
  private heap: { start: number; end: number } | null = null;
  private pending: Pending | null = null;
  private coll: Collection | null = null;
  private thresholdDue = false;
  private readonly bps = new Set<number>();
  private readonly collections: DeviceCollection[] = [];
  private readonly counts: RecordProgress = { allocs: 0, frees: 0, reallocs: 0, collections: 0, elapsedMs: 0 };
  private lockedAllocs = 0;
  private sinceSnapshot = 0;
  /** Top of the C stack as the port's gc_collect scans it (learnt from its gc_collect_root call). */
  private stackTop: number | undefined;
  extraSnapshots = 0;
  /** A breakpoint stop whose step-over took an interrupt: the same stop comes back once. */
  private reentry: { pc: number; regs: number[] } | null = null;
  private interruptedSteps = 0;
  /** verify: the return breakpoint of the pending alloc/realloc and the replay's result for it. */
  private verifyRet: { pc: number; sp: number; what: string } | null = null;
  private lastResult = 0;
  private stopping = false;
  private running = false;
  private readonly t0 = Date.now();
  private lastProgress = 0;

  constructor(
    private readonly gdb: GdbClient,
    private readonly syms: GcSymbols,
    private readonly config: GcConfig,
    private readonly opts: RecorderOptions = {},
  ) {}

  /** Ends the recording at the next stop (Ctrl-C): what was recorded stays a valid trace. */
  stop(): void {
    this.stopping = true;
    if (this.running) this.gdb.interrupt();
  }

  private emit = (line: string): void => {
    this.lines.push(line);
  };

  private async setBp(a: number): Promise<void> {
    if (this.bps.has(a)) return;
    await this.gdb.insertBreakpoint(a);
    this.bps.add(a);
  }

  private async clearBp(a: number): Promise<void> {
    if (!this.bps.has(a)) return;
    await this.gdb.removeBreakpoint(a);
    this.bps.delete(a);
  }

  private async resume(): Promise<StopReply> {
    this.running = true;
    try {
      if (this.stopping) return { kind: 'signal', code: 2, info: new Map(), raw: 'S02' };
      return await this.gdb.resume(0);
    } finally {
      this.running = false;
    }
  }

  /**
   * Continues from a breakpoint: QEMU's stub stops again at once at a breakpoint under the
   * pc, so take it out, step one instruction, put it back. A step that lands on another
   * breakpoint is that breakpoint's stop.
   */
  private async continueFrom(pc: number, regs: number[]): Promise<StopReply> {
    if (this.bps.has(pc)) {
      await this.gdb.removeBreakpoint(pc);
      const s = await this.gdb.step();
      await this.gdb.insertBreakpoint(pc);
      // A step that lands on another breakpoint needs no check: continuing from a
      // breakpoint's address stops there at once, which is that breakpoint's stop.
      if (s.kind !== 'signal' || s.code !== 5) return s;
      // The step may take an interrupt instead of executing the instruction (QEMU's M-profile
      // does despite its NOIRQ step flag): the handler returns to this same breakpoint with
      // the same registers, which is not a second call.
      const after = await this.gdb.readRegisters();
      const moved = after[PC]! - pc;
      if (moved !== 2 && moved !== 4) this.reentry = { pc, regs: regs.slice(0, 16) };
    }
    return this.resume();
  }

  /** Runs the target from where it is (halted at reset) until the final dump, Ctrl-C or exit. */
  async run(): Promise<RecordResult> {
    const s = this.syms;
    for (const a of [s.gcInit, s.gcAlloc.start, s.gcRealloc.start, s.gcFree, s.gcCollect, s.gcCollectRoot, s.gcDumpAllocTable]) await this.setBp(a);
    if (s.gcThreshold !== undefined && s.thresholdVar !== undefined) await this.setBp(s.gcThreshold);
    let ended: RecordResult['ended'] = 'interrupted';
    let divergence: string | undefined;
    let stop = await this.resume();
    try {
      for (;;) {
        if (stop.kind === 'exited') {
          ended = 'exited';
          break;
        }
        if (this.stopping) break;
        const regs = await this.gdb.readRegisters();
        const pc = regs[PC]!;
        const again = this.reentry;
        this.reentry = null;
        if (again && again.pc === pc && again.regs.every((v, i) => regs[i] === v)) {
          this.interruptedSteps++;
        } else if (stop.code === 5 && this.bps.has(pc)) {
          if (await this.onBreak(pc, regs)) {
            ended = 'dump';
            break;
          }
        }
        this.progress(false);
        stop = await this.continueFrom(pc, regs);
      }
      this.flush();
    } catch (e) {
      if (!(e instanceof Divergence)) throw e;
      ended = 'diverged';
      divergence = e.message;
      this.emit(`# recording stopped: ${e.message}`);
    }
    this.progress(true);
    return {
      lines: this.lines,
      heap: this.heap,
      layout: this.layout,
      collections: this.collections,
      counts: { ...this.counts, elapsedMs: Date.now() - this.t0 },
      ended,
      ...(divergence ? { divergence } : {}),
      lockedAllocs: this.lockedAllocs,
      interruptedSteps: this.interruptedSteps,
      extraSnapshots: this.extraSnapshots,
      gdbPackets: this.gdb.stats.sent,
    };
  }

  /** Takes every breakpoint out and lets the target run on (for the rest of the REPL session). */
  async release(): Promise<void> {
    for (const a of [...this.bps]) await this.clearBp(a);
    await this.gdb.detach();
  }

  private progress(final: boolean): void {
    const now = Date.now();
    if (!this.opts.onProgress || (!final && now - this.lastProgress < (this.opts.progressEveryMs ?? 500))) return;
    this.lastProgress = now;
    this.opts.onProgress({ ...this.counts, elapsedMs: now - this.t0 });
  }

  private async readHeap(): Promise<{ atb: Uint8Array; pool: Uint8Array }> {
    const l = this.layout!;
    const atb = await this.gdb.readMemory(l.atbStart, l.atbLen);
    const pool = await this.gdb.readMemory(l.poolStart, l.blocks * this.config.blockSize);
    return { atb, pool };
  }

  private checkAtb(atb: Uint8Array, when: string): void {
    const b = this.shadow!.firstAtbDifference(atb);
    if (b >= 0) {
      const l = this.layout!;
      const kinds = ['free', 'head', 'tail', 'mark'];
      throw new Divergence(
        `${when}: block ${b} (0x${(l.poolStart + b * this.config.blockSize).toString(16)}) is ${kinds[atbKind(atb, b)]} on the device but ${kinds[this.shadow!.area.kind(b)]} in the replay (after ${this.counts.allocs} allocations)`,
      );
    }
  }

  /** Applies the pending alloc/realloc to the replay; checks it collected exactly when the device did. */
  private flush(): void {
    const p = this.pending;
    if (!p || !this.shadow) return;
    this.pending = null;
    const before = this.shadow.collections;
    if (p.kind === 'alloc') {
      this.lastResult = this.shadow.alloc(p.size, p.fin);
      this.counts.allocs++;
    } else {
      this.lastResult = this.shadow.realloc(p.ptr, p.size, p.move);
      this.counts.reallocs++;
    }
    const made = this.shadow.collections - before;
    if (made !== (p.collected ? 1 : 0)) {
      throw new Divergence(
        `the replay ${made ? 'collected' : 'did not collect'} inside ${p.kind}(${p.size}) where the device ${p.collected ? 'did' : 'did not'} (after ${this.counts.allocs} allocations)`,
      );
    }
    if (p.collected) {
      const c = this.collections[this.collections.length - 1]!;
      c.replayFreed = this.shadow.lastCollection!.freed;
      this.checkFreed(c);
    }
  }

  private checkFreed(c: DeviceCollection): void {
    if (c.freed !== c.replayFreed) {
      throw new Divergence(`collection ${this.collections.length}: the device freed ${c.freed} blocks, the replay ${c.replayFreed}`);
    }
  }

  private async readThreshold(): Promise<void> {
    this.thresholdDue = false;
    const v = await this.gdb.readWord(this.syms.thresholdVar!);
    const blocks = v === 0xffffffff ? null : v;
    const cur = this.shadow!.machine.heap.threshold;
    if ((blocks === null && Number.isFinite(cur)) || (blocks !== null && cur !== blocks)) this.shadow!.threshold(blocks);
  }

  /** Handles one breakpoint; true when the recording is complete. */
  private async onBreak(pc: number, r: number[]): Promise<boolean> {
    const s = this.syms;
    const sp = r[SP]!;
    const lr = r[LR]! & ~1;
    if (pc === s.gcInit) {
      if (this.shadow) throw new Divergence('gc_init ran a second time (a soft or hard reset): record one session from reset');
      this.heap = { start: r[0]!, end: r[1]! };
      this.layout = computeAreaLayout(this.config, r[0]!, r[1]!);
      this.shadow = new Shadow(this.config, r[0]!, r[1]!, s.types, this.emit);
      return false;
    }
    if (this.verifyRet && pc === this.verifyRet.pc && sp === this.verifyRet.sp) {
      const v = this.verifyRet;
      this.verifyRet = null;
      await this.clearBp(v.pc);
      this.flush();
      await this.verifyAtb(`after ${v.what}`);
      if ((r[0]! >>> 0) !== this.lastResult) {
        throw new Divergence(`${v.what} returned 0x${r[0]!.toString(16)} on the device, 0x${this.lastResult.toString(16)} in the replay (after ${this.counts.allocs} allocations)`);
      }
      return false;
    }
    // A return breakpoint of gc_collect (it may share an address with nothing else).
    if (this.coll && pc === this.coll.ret && sp === this.coll.sp) {
      await this.endCollection();
      return false;
    }
    if (!this.shadow) return false; // before gc_init: nothing of the heap exists yet
    if (this.thresholdDue) await this.readThreshold();
    if (pc === s.gcCollectRoot) {
      if (this.coll) {
        const ptrs = r[0]!;
        const len = r[1]!;
        if (len > 0 && len < 1 << 20) this.coll.roots.push(...(await this.readWords(ptrs, len)));
        // The registers-and-stack range ends at the top of the C stack.
        if (ptrs <= sp + 256 && ptrs + len * 4 > sp) this.stackTop = ptrs + len * 4;
      }
      return false;
    }
    if (this.coll) {
      // Inside a collection: finalisers run with the heap locked; their gc_alloc returns NULL.
      if (pc === s.gcAlloc.start || pc === s.gcRealloc.start) this.lockedAllocs++;
      return false;
    }
    if (pc === s.gcAlloc.start) {
      const p = this.pending;
      // gc_realloc's own gc_alloc (a move), or its tail call for gc_realloc(NULL, n).
      if (p?.kind === 'realloc' && (inRange(lr, s.gcRealloc) || (lr === p.lr && sp === p.sp))) return false;
      this.flush();
      if (this.opts.snapshotEvery && ++this.sinceSnapshot >= this.opts.snapshotEvery) await this.extraSnapshot(r);
      this.pending = { kind: 'alloc', size: r[0]!, fin: (r[1]! & 1) !== 0, sp, lr, collected: false };
      await this.verifyReturn(lr, sp, `gc_alloc(${r[0]})`);
      return false;
    }
    if (pc === s.gcRealloc.start) {
      this.flush();
      this.pending = { kind: 'realloc', ptr: r[0]!, size: r[1]!, move: r[2]! !== 0, sp, lr, collected: false };
      await this.verifyReturn(lr, sp, `gc_realloc(0x${r[0]!.toString(16)}, ${r[1]})`);
      return false;
    }
    if (pc === s.gcFree) {
      if (this.pending?.kind === 'realloc' && inRange(lr, s.gcRealloc)) return false;
      this.flush();
      await this.verifyAtb(`before gc_free(0x${r[0]!.toString(16)})`);
      this.shadow.free(r[0]!);
      this.counts.frees++;
      return false;
    }
    if (pc === s.gcCollect) {
      const auto = inRange(lr, s.gcAlloc);
      if (!auto) this.flush();
      else if (!this.pending) throw new Divergence('gc_alloc collected, but no gc_alloc call was seen');
      const { atb, pool } = await this.readHeap();
      this.checkAtb(atb, `before collection ${this.collections.length + 1}`);
      this.coll = { auto, sp, ret: lr, atb, pool, roots: [], headsBefore: countHeads(atb, this.layout!.blocks) };
      // The root-pointer section: scanned by gc_collect_start's inlined gc_collect_root.
      if (s.rootSection) this.coll.roots.push(...(await this.readWords(s.rootSection.address, s.rootSection.words)));
      if (this.bps.has(lr)) throw new Divergence(`gc_collect returns to 0x${lr.toString(16)}, which already holds a breakpoint`);
      await this.setBp(lr);
      return false;
    }
    if (pc === s.gcThreshold) {
      this.flush();
      this.thresholdDue = true;
      return false;
    }
    if (pc === s.gcDumpAllocTable) {
      this.flush();
      const { atb, pool } = await this.readHeap();
      this.checkAtb(atb, 'at the final mem_info(1)');
      this.shadow.comment('the device ran micropython.mem_info(1) here: its dump, then the end of the recording');
      this.shadow.sync({ atb, pool, roots: null });
      this.shadow.info();
      this.shadow.dump();
      return true;
    }
    return false;
  }

  private async readWords(addr: number, n: number): Promise<number[]> {
    const bytes = await this.gdb.readMemory(addr, n * 4);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(dv.getUint32(i * 4, true));
    return out;
  }

  private async verifyAtb(when: string): Promise<void> {
    if (!this.opts.verify) return;
    this.checkAtb(await this.gdb.readMemory(this.layout!.atbStart, this.layout!.atbLen), when);
  }

  private async verifyReturn(lr: number, sp: number, what: string): Promise<void> {
    if (!this.opts.verify || this.bps.has(lr)) return;
    this.verifyRet = { pc: lr, sp, what };
    await this.setBp(lr);
  }

  /**
   * A snapshot between collections, at a gc_alloc call: the words a collection starting here
   * would scan — the root-pointer section, the registers, the C stack from sp to its top —
   * and the heap. The replay's young objects are released as at any snapshot.
   */
  private async extraSnapshot(r: number[]): Promise<void> {
    const top = this.stackTop ?? this.syms.stackTop;
    const sp = r[SP]!;
    if (top === undefined || top <= sp || top - sp > 1 << 20) return;
    this.sinceSnapshot = 0;
    this.extraSnapshots++;
    const { atb, pool } = await this.readHeap();
    this.checkAtb(atb, `at snapshot ${this.extraSnapshots} (between collections)`);
    const roots = this.syms.rootSection ? await this.readWords(this.syms.rootSection.address, this.syms.rootSection.words) : [];
    roots.push(...r.slice(0, 15), ...(await this.readWords(sp, (top - sp) >> 2)));
    this.shadow!.comment(`snapshot between collections (every ${this.opts.snapshotEvery} allocations)`);
    this.shadow!.sync({ atb, pool, roots });
  }

  private async endCollection(): Promise<void> {
    const c = this.coll!;
    this.coll = null;
    await this.clearBp(c.ret);
    const after = await this.gdb.readMemory(this.layout!.atbStart, this.layout!.atbLen);
    let headsAfter = 0;
    for (let b = 0; b < this.layout!.blocks; b++) if (atbKind(after, b) === AT_HEAD) headsAfter++;
    const rec: DeviceCollection = { freed: c.headsBefore - headsAfter, replayFreed: -1, auto: c.auto };
    this.collections.push(rec);
    this.counts.collections++;
    this.sinceSnapshot = 0;
    const dev: DeviceHeap = { atb: c.atb, pool: c.pool, roots: c.roots };
    this.shadow!.sync(dev);
    if (c.auto) {
      // Applied at the next stop: the device's gc_alloc/gc_realloc is still running (a
      // realloc that moves still frees its old block, a breakpoint to be told apart).
      this.pending!.collected = true;
    } else {
      rec.replayFreed = this.shadow!.collect().freed;
      this.checkFreed(rec);
    }
  }
}
