// The emulated address space: named regions (RAM banks, PSRAM, flash/ROM), each backed
// by a typed array. Everything the GC touches — its tables, its pool, the root-pointer
// section, the C stack — is bytes in one of these regions, so quirks that depend on
// what lies next to a table (v1.9.4 reading the FTB as if it were ATB, for instance)
// happen here exactly as they do on a device.
//
// Pure module: no Node APIs, usable from a browser.

export type RegionKind = 'ram' | 'psram' | 'flash' | 'rom';

export interface RegionSpec {
  name: string;
  kind: RegionKind;
  /** First address of the region. */
  base: number;
  /** Size in bytes. */
  size: number;
}

export class MemoryError extends Error {
  constructor(message: string, readonly address?: number) {
    super(message);
    this.name = 'MemoryError';
  }
}

/** Formats an address the way MicroPython users read them: lowercase hex with 0x. */
export function hex(addr: number): string {
  return '0x' + addr.toString(16);
}

export class Region implements RegionSpec {
  readonly name: string;
  readonly kind: RegionKind;
  readonly base: number;
  readonly size: number;
  readonly end: number;
  // The views are replaced (never their contents' meaning) when the region moves into a
  // WebAssembly kernel's memory: see moveTo().
  bytes: Uint8Array;
  /** 32-bit little-endian view; index = (addr - base) >> 2. Region bases are 8-aligned. */
  u32: Uint32Array;
  /**
   * The same words, signed: V8 keeps an Int32Array element in a 32-bit register where a
   * Uint32Array element above 2^31 becomes a double. Hot loops that only compare words
   * (the JS mark loop, zero tests) read this one.
   */
  i32: Int32Array;

  constructor(spec: RegionSpec) {
    this.name = spec.name;
    this.kind = spec.kind;
    this.base = spec.base;
    this.size = spec.size;
    this.end = spec.base + spec.size;
    // Backing store rounded up to 8 bytes so word views always fit; accesses are still
    // bounds-checked against the declared size.
    const buf = new ArrayBuffer(Math.ceil(spec.size / 8) * 8);
    this.bytes = new Uint8Array(buf);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
  }

  contains(addr: number, len = 1): boolean {
    return addr >= this.base && addr + len <= this.end;
  }

  /**
   * Moves the bytes to the start of `buffer` (a WebAssembly memory, so a kernel can work on
   * them in place). The views keep their length: reads past the region still find nothing.
   * Whoever cached the old views must take the new ones.
   */
  moveTo(buffer: ArrayBuffer): void {
    const len = this.bytes.length;
    const bytes = new Uint8Array(buffer, 0, len);
    // Page by page, skipping pages that are all zero (the new memory is zero already):
    // writing zeros would make every page of a large region resident (a 64 MB heap's
    // region is mostly untouched when the heap is set up).
    const src = this.i32;
    const dst = new Int32Array(buffer, 0, len >> 2);
    for (let p = 0; p < src.length; p += 1024) {
      const e = Math.min(src.length, p + 1024);
      let i = p;
      while (i < e && src[i] === 0) i++;
      if (i < e) dst.set(src.subarray(p, e), p);
    }
    this.bytes = bytes;
    this.u32 = new Uint32Array(buffer, 0, len >> 2);
    this.i32 = new Int32Array(buffer, 0, len >> 2);
  }
}

const MAX_ADDRESS = 2 ** 53;

function checkSpec(r: RegionSpec): void {
  if (!r.name) throw new MemoryError('region without a name');
  if (!Number.isSafeInteger(r.base) || r.base < 0 || r.base >= MAX_ADDRESS) {
    throw new MemoryError(`region ${r.name}: base ${r.base} is not a valid address`);
  }
  if (!Number.isSafeInteger(r.size) || r.size <= 0) {
    throw new MemoryError(`region ${r.name}: size ${r.size} must be a positive whole number of bytes`);
  }
  if (r.base % 8 !== 0) {
    throw new MemoryError(`region ${r.name}: base ${hex(r.base)} must be 8-byte aligned`);
  }
}

/**
 * A set of non-overlapping regions. Multi-byte accesses are little-endian (every
 * MicroPython target modelled here is little-endian) and may not cross a region end.
 */
export class AddressSpace {
  readonly regions: readonly Region[];
  /** 4 for 32-bit targets, 8 for 64-bit (unix). */
  readonly wordSize: 4 | 8;
  private last: Region;

  constructor(specs: readonly RegionSpec[], wordSize: 4 | 8 = 4) {
    if (specs.length === 0) throw new MemoryError('a memory map needs at least one region');
    specs.forEach(checkSpec);
    const sorted = [...specs].sort((a, b) => a.base - b.base);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1]!;
      const b = sorted[i]!;
      if (b.base < a.base + a.size) {
        throw new MemoryError(
          `regions ${a.name} [${hex(a.base)}, ${hex(a.base + a.size)}) and ${b.name} [${hex(b.base)}, ${hex(b.base + b.size)}) overlap`,
        );
      }
    }
    const names = new Set<string>();
    for (const s of sorted) {
      if (names.has(s.name)) throw new MemoryError(`two regions are named ${s.name}`);
      names.add(s.name);
    }
    this.regions = sorted.map((s) => new Region(s));
    this.wordSize = wordSize;
    this.last = this.regions[0]!;
  }

  /** The region holding [addr, addr+len), or undefined. */
  find(addr: number, len = 1): Region | undefined {
    if (this.last.contains(addr, len)) return this.last;
    for (const r of this.regions) {
      if (r.contains(addr, len)) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  region(name: string): Region {
    const r = this.regions.find((x) => x.name === name);
    if (!r) throw new MemoryError(`no region named ${name}`);
    return r;
  }

  /** Like find, but a miss (outside every region, or across a region end) is an error. */
  resolve(addr: number, len = 1): Region {
    const r = this.find(addr, len);
    if (r) return r;
    const start = this.find(addr);
    if (start) {
      throw new MemoryError(
        `access of ${len} bytes at ${hex(addr)} runs past the end of region ${start.name} (ends at ${hex(start.end)})`,
        addr,
      );
    }
    throw new MemoryError(`address ${hex(addr)} is outside every memory region`, addr);
  }

  read8(addr: number): number {
    const r = this.resolve(addr, 1);
    return r.bytes[addr - r.base]!;
  }

  write8(addr: number, value: number): void {
    const r = this.resolve(addr, 1);
    r.bytes[addr - r.base] = value & 0xff;
  }

  read32(addr: number): number {
    const r = this.resolve(addr, 4);
    const off = addr - r.base;
    if ((off & 3) === 0) return r.u32[off >> 2]!;
    const b = r.bytes;
    return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  }

  write32(addr: number, value: number): void {
    const r = this.resolve(addr, 4);
    const off = addr - r.base;
    const v = value >>> 0;
    if ((off & 3) === 0) {
      r.u32[off >> 2] = v;
      return;
    }
    const b = r.bytes;
    b[off] = v & 0xff;
    b[off + 1] = (v >>> 8) & 0xff;
    b[off + 2] = (v >>> 16) & 0xff;
    b[off + 3] = (v >>> 24) & 0xff;
  }

  /** Reads a machine word. 64-bit words above 2^53 lose precision; heap addresses never are. */
  readWord(addr: number): number {
    if (this.wordSize === 4) return this.read32(addr);
    const lo = this.read32(addr);
    const hi = this.read32(addr + 4);
    return hi * 4294967296 + lo;
  }

  writeWord(addr: number, value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
      if (this.wordSize === 4) {
        this.write32(addr, value >>> 0);
        return;
      }
      this.resolve(addr, 8);
      this.write32(addr, value >>> 0);
      this.write32(addr + 4, Math.floor(value / 4294967296) >>> 0);
      return;
    }
    // Negative or past 2^53: wrap to the word size exactly, as a C store would.
    const v = BigInt.asUintN(this.wordSize * 8, BigInt(value));
    if (this.wordSize === 4) {
      this.write32(addr, Number(v));
      return;
    }
    this.resolve(addr, 8);
    this.write32(addr, Number(v & 0xffffffffn));
    this.write32(addr + 4, Number(v >> 32n));
  }

  fill(addr: number, len: number, value = 0): void {
    if (len <= 0) return;
    const r = this.resolve(addr, len);
    r.bytes.fill(value, addr - r.base, addr - r.base + len);
  }

  copy(dst: number, src: number, len: number): void {
    if (len <= 0) return;
    const rs = this.resolve(src, len);
    const rd = this.resolve(dst, len);
    rd.bytes.set(rs.bytes.subarray(src - rs.base, src - rs.base + len), dst - rd.base);
  }

  /** A copy of [addr, addr+len). */
  slice(addr: number, len: number): Uint8Array {
    const r = this.resolve(addr, len);
    return r.bytes.slice(addr - r.base, addr - r.base + len);
  }

  load(addr: number, data: Uint8Array): void {
    if (data.length === 0) return;
    const r = this.resolve(addr, data.length);
    r.bytes.set(data, addr - r.base);
  }
}
