// The MicroPython type objects gc_dump_alloc_table() recognises. On a device they are
// const structs in flash/ROM (mp_type_tuple, mp_type_list, ...); a heap block's first word
// points at one of them, and the dump prints a letter for it.

export const TYPE_NAMES = [
  'tuple',
  'list',
  'dict',
  'str',
  'bytes',
  'bytearray',
  'array',
  'float',
  'fun_bc',
  'module',
  'other',
  'fin',
] as const;

export type TypeName = (typeof TYPE_NAMES)[number];

/** Letters gc_dump_alloc_table prints for a head block whose first word is this type. */
export const TYPE_LETTER: Readonly<Record<TypeName, string>> = {
  tuple: 'T',
  list: 'L',
  dict: 'D',
  str: 'S',
  bytes: 'S',
  bytearray: 'A',
  array: 'A',
  float: 'F',
  fun_bc: 'B',
  module: 'M',
  // Any other type, including a user class with __del__, prints as a plain head.
  other: 'h',
  fin: 'h',
};

/** Bytes reserved for each type object in flash (a real mp_obj_type_t is 12+ words). */
export const TYPE_STRIDE = 0x40;

export function isTypeName(s: string): s is TypeName {
  return (TYPE_NAMES as readonly string[]).includes(s);
}

/**
 * Addresses of the type objects, laid out from `base` in a flash/ROM region; `known` gives the
 * real addresses of some (from the firmware's ELF or id(str) on the device), so emulated heads
 * carry the same type words as the device's.
 */
export class TypeTable {
  private readonly addrs = new Map<TypeName, number>();
  private readonly letters = new Map<number, string>();
  readonly finAddress: number;

  constructor(
    readonly base: number,
    known: Partial<Record<TypeName, number>> = {},
  ) {
    TYPE_NAMES.forEach((name, i) => {
      const a = known[name] ?? base + i * TYPE_STRIDE;
      this.addrs.set(name, a);
      if (!this.letters.has(a)) this.letters.set(a, TYPE_LETTER[name]);
    });
    this.finAddress = this.addrs.get('fin')!;
  }

  /** Bytes the table occupies. */
  static get size(): number {
    return TYPE_NAMES.length * TYPE_STRIDE;
  }

  address(name: TypeName): number {
    return this.addrs.get(name)!;
  }

  /** The dump letter for a head whose first word is `word`. */
  letter(word: number): string {
    return this.letters.get(word) ?? 'h';
  }

  /** The type whose address is `word`, if any. */
  nameOf(word: number): TypeName | undefined {
    for (const [n, a] of this.addrs) if (a === word) return n;
    return undefined;
  }

  /** Does the type at `word` define __del__? (mp_load_method_maybe(obj, __del__) finds one) */
  hasDel(word: number): boolean {
    return word === this.finAddress;
  }
}
