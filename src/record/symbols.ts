// What the recorder needs from the firmware's ELF: the addresses of py/gc.c's entry points
// (breakpoints), the code ranges that tell an automatic collection from gc.collect() and an
// inner gc_alloc from a caller's, where gc_alloc_threshold lives, and the mp_type_* objects.

import { UserError } from '../errors.js';
import type { ElfImage } from '../elf/read.js';
import { typeObjects } from '../elf/read.js';
import { TYPE_NAMES, type TypeName } from '../../emulator/types.js';

export interface CodeRange {
  start: number;
  end: number;
}

export interface GcSymbols {
  gcInit: number;
  gcAlloc: CodeRange;
  gcRealloc: CodeRange;
  /** Where an effective free starts: gc_free's body after its NULL/locked checks (gcc's gc_free.part.0), or gc_free. */
  gcFree: number;
  /** The port's gc_collect() (gc_collect_start, registers and stack, gc_collect_end). */
  gcCollect: number;
  gcCollectRoot: number;
  gcDumpAllocTable: number;
  /** modgc's gc.threshold() implementation, when present. */
  gcThreshold?: number;
  /** Address of MP_STATE_MEM(gc_alloc_threshold), when it could be found. */
  thresholdVar?: number;
  /**
   * The root-pointer section gc_collect_start scans itself (gcc inlines its
   * gc_collect_root call): [address, address + 4*words). Undefined when not found.
   */
  rootSection?: { address: number; words: number };
  /** `_estack` (the initial stack pointer), when the ELF has it: the top of the C stack. */
  stackTop?: number;
  /** Device type-object address → the trace's type name (only those the dump prints a letter for). */
  types: Map<number, TypeName>;
}

function sym(elf: ElfImage, name: string): number | undefined {
  return elf.symbols.get(name)?.address;
}

function need(elf: ElfImage, name: string): number {
  const a = sym(elf, name);
  if (a === undefined) throw new UserError(`${elf.path}: no symbol '${name}' (record needs a MicroPython ELF with its symbols, not stripped)`);
  return a;
}

function range(elf: ElfImage, name: string): CodeRange {
  const start = need(elf, name);
  const size = elf.symbols.get(name)!.size;
  return { start, end: start + Math.max(size, 2) };
}

/**
 * Finds `str.w Rt, [Rn, #imm12]` (Thumb-2 encoding T3: 0xf8c0|Rn, Rt<<12|imm12) in modgc's
 * gc_threshold: MicroPython stores the new gc_alloc_threshold in MP_STATE_MEM with exactly
 * one such store, at offset imm12 from the state base it loaded (mp_state_ctx).
 */
function thresholdOffset(elf: ElfImage, fn: CodeRange): number | undefined {
  const code = elf.read(fn.start, fn.end - fn.start);
  if (!code) return undefined;
  for (let i = 0; i + 4 <= code.length; i += 2) {
    const hw1 = code[i]! | (code[i + 1]! << 8);
    const hw2 = code[i + 2]! | (code[i + 3]! << 8);
    if ((hw1 & 0xfff0) === 0xf8c0) return hw2 & 0xfff;
  }
  return undefined;
}

/**
 * gc_collect_start scans mp_state_ctx from thread.dict_locals up to vm.qstr_last_chunk
 * (py/gc.c v1.27). With gc_collect_root inlined, the bounds are two `add.w Rd, Rbase, #imm`
 * (Thumb-2 T3, small immediates) off the state base, walked by `ldr.w Rt, [Rd, #4]!`
 * (pre-indexed: the first word read is at the lower bound + 4).
 */
function rootSectionOf(elf: ElfImage, fn: CodeRange, state: number): { address: number; words: number } | undefined {
  const code = elf.read(fn.start, fn.end - fn.start);
  if (!code) return undefined;
  const adds: Array<{ rd: number; rn: number; imm: number }> = [];
  let preIndexed = false;
  for (let i = 0; i + 4 <= code.length; i += 2) {
    const hw1 = code[i]! | (code[i + 1]! << 8);
    const hw2 = code[i + 2]! | (code[i + 3]! << 8);
    // ADD.W (immediate) T3: 11110 i 0 1000 S Rn | 0 imm3 Rd imm8; only i:imm3 = 0 (imm < 256).
    if ((hw1 & 0xfbe0) === 0xf100 && (hw1 & 0x0400) === 0 && (hw2 & 0x8000) === 0 && (hw2 & 0x7000) === 0) {
      adds.push({ rn: hw1 & 0xf, rd: (hw2 >> 8) & 0xf, imm: hw2 & 0xff });
    }
    // LDR.W (immediate) T4 pre-indexed with writeback, +4: 1111 1000 0101 Rn | Rt 1 1 1 1 imm8=4
    if ((hw1 & 0xfff0) === 0xf850 && (hw2 & 0x0fff) === 0x0f04) preIndexed = true;
  }
  for (const a of adds) {
    const b = adds.find((x) => x !== a && x.rn === a.rn && x.imm > a.imm);
    if (b && preIndexed) return { address: state + a.imm + 4, words: (b.imm - a.imm) / 4 };
  }
  return undefined;
}

export function gcSymbols(elf: ElfImage): GcSymbols {
  if (elf.machine !== 'ARM' || elf.bits !== 32) {
    throw new UserError(`${elf.path}: a ${elf.bits}-bit ${elf.machine} ELF; record reads arguments by the 32-bit ARM calling convention (AAPCS)`);
  }
  const types = new Map<number, TypeName>();
  const known = new Set<string>(TYPE_NAMES.filter((t) => t !== 'other' && t !== 'fin'));
  for (const [addr, name] of typeObjects(elf)) if (known.has(name)) types.set(addr, name as TypeName);
  const out: GcSymbols = {
    gcInit: need(elf, 'gc_init'),
    gcAlloc: range(elf, 'gc_alloc'),
    gcRealloc: range(elf, 'gc_realloc'),
    gcFree: sym(elf, 'gc_free.part.0') ?? need(elf, 'gc_free'),
    gcCollect: need(elf, 'gc_collect'),
    gcCollectRoot: need(elf, 'gc_collect_root'),
    gcDumpAllocTable: need(elf, 'gc_dump_alloc_table'),
    types,
  };
  const estack = sym(elf, '_estack');
  if (estack !== undefined) out.stackTop = estack;
  const start = elf.symbols.get('gc_collect_start');
  const st = sym(elf, 'mp_state_ctx');
  if (start && st !== undefined) {
    const rs = rootSectionOf(elf, { start: start.address, end: start.address + start.size }, st);
    if (rs) out.rootSection = rs;
  }
  const thr = elf.symbols.get('gc_threshold');
  const state = sym(elf, 'mp_state_ctx');
  if (thr && thr.kind === 'function' && state !== undefined) {
    out.gcThreshold = thr.address;
    const off = thresholdOffset(elf, { start: thr.address, end: thr.address + thr.size });
    if (off !== undefined) out.thresholdVar = state + off;
  }
  return out;
}
