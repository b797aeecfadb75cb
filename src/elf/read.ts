// Reads what mcu-gc needs from a firmware ELF: its symbol table (addresses and sizes of
// `gc_heap`, `mp_state_ctx`, `_estack`, every `mp_type_*`, …) and the initial bytes of its
// loaded sections. Parsing is elfinfo's (a typed ELF reader for 32/64-bit, both endians);
// this module turns its result into the small, typed view the rest of mcu-gc uses.

import { open as openElf } from 'elfinfo';
import { readBytes } from '../io/files.js';
import { UserError } from '../errors.js';

export interface ElfSymbol {
  name: string;
  /** Address (for ARM Thumb functions, with the Thumb bit cleared). */
  address: number;
  size: number;
  kind: 'object' | 'function' | 'other';
  global: boolean;
}

export interface ElfSection {
  name: string;
  address: number;
  size: number;
  /** Bytes present in the file (false for .bss-like sections). */
  hasData: boolean;
  /** Allocated in the target's memory at run time (SHF_ALLOC). */
  loaded: boolean;
  writable: boolean;
  executable: boolean;
}

export interface ElfImage {
  path: string;
  bits: 32 | 64;
  littleEndian: boolean;
  /** e.g. 'ARM', 'x86-64'. */
  machine: string;
  sections: ElfSection[];
  /** Symbols by name (the first definition wins for duplicated local names). */
  symbols: Map<string, ElfSymbol>;
  /** The symbol's value, or undefined. */
  address(name: string): number | undefined;
  /** The bytes the ELF holds for [address, address+length) in a section with data, or undefined. */
  read(address: number, length: number): Uint8Array | undefined;
}

const SHF_WRITE = 1;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;
const SHT_NOBITS = 8;
const EM_ARM = 40;

/** Loads an ELF, or fails with one line naming the file. */
export async function readElf(path: string): Promise<ElfImage> {
  const bytes = readBytes(path);
  return parseElf(path, bytes);
}

export async function parseElf(path: string, bytes: Uint8Array): Promise<ElfImage> {
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new UserError(`${path}: not an ELF file (it does not start with 0x7f 'ELF'; an Intel HEX or .bin image has no symbols)`);
  }
  let parsed;
  try {
    parsed = await openElf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new UserError(`${path}: cannot read the ELF: ${(e as Error).message}`);
  }
  if (!parsed.success || !parsed.elf) {
    throw new UserError(`${path}: cannot read the ELF: ${parsed.errors.join('; ') || 'unknown reason'}`);
  }
  const elf = parsed.elf;
  const isArm = Number(elf.isa) === EM_ARM;
  const num = (v: number | bigint) => Number(v);

  const sections: ElfSection[] = [];
  const withData: { address: number; size: number; offset: number }[] = [];
  const symbols = new Map<string, ElfSymbol>();
  for (const s of elf.sections) {
    const flags = num(s.flags);
    const sec: ElfSection = {
      name: s.name,
      address: num(s.addr),
      size: num(s.size),
      hasData: s.type !== SHT_NOBITS,
      loaded: (flags & SHF_ALLOC) !== 0,
      writable: (flags & SHF_WRITE) !== 0,
      executable: (flags & SHF_EXECINSTR) !== 0,
    };
    sections.push(sec);
    if (sec.loaded && sec.hasData && sec.size > 0) withData.push({ address: sec.address, size: sec.size, offset: num(s.offset) });
    const syms = (s as { symbols?: Array<{ name: string; value: number | bigint; size: number | bigint; type: number; binding: number; shndx: number }> }).symbols;
    if (!syms) continue;
    for (const sym of syms) {
      if (!sym.name || sym.shndx === 0) continue; // unnamed, or undefined (SHN_UNDEF)
      const kind = sym.type === 1 ? 'object' : sym.type === 2 ? 'function' : 'other';
      let address = num(sym.value);
      // Thumb functions have bit 0 set in their symbol value; the code starts at the even address.
      if (isArm && kind === 'function') address &= ~1;
      if (symbols.has(sym.name)) continue;
      symbols.set(sym.name, { name: sym.name, address: address >>> 0, size: num(sym.size), kind, global: sym.binding !== 0 });
    }
  }

  return {
    path,
    bits: elf.bits === 64 ? 64 : 32,
    littleEndian: elf.data === 1,
    machine: String(elf.isaDescription ?? elf.isa),
    sections,
    symbols,
    address: (name) => symbols.get(name)?.address,
    read(address, length) {
      for (const d of withData) {
        if (address >= d.address && address + length <= d.address + d.size) {
          const start = d.offset + (address - d.address);
          return bytes.subarray(start, start + length);
        }
      }
      return undefined;
    },
  };
}

/** Every `mp_type_*` object symbol, address → type name without the prefix (e.g. 'str'). */
export function typeObjects(elf: ElfImage): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of elf.symbols.values()) {
    if (s.kind === 'object' && s.name.startsWith('mp_type_')) out.set(s.address, s.name.slice('mp_type_'.length));
  }
  return out;
}
