// Mutations of text and bytes the way users and serial links damage files: bytes flipped,
// inserted, dropped; lines duplicated, dropped, swapped; numbers replaced by edge values;
// truncation; CRLF; a line from the format's own vocabulary in the wrong place.
import type { Rng } from './rng.js';

/** Numbers that sit on edges: sign, word size, 2^32, 2^53, float syntax, not-a-number. */
export const EDGE_NUMBERS = [
  '0', '1', '-1', '2', '3', '4', '7', '8', '15', '16', '17', '31', '32', '33', '63', '64', '255', '256', '1023', '1024', '4096', '65535', '65536',
  '0x0', '0x1', '0xf', '0x10', '0xff', '0x100', '0x1000', '0xffff', '0x10000', '0x7fffffff', '0x80000000', '0xffffffff', '0x100000000',
  '0xfffffffffffff', '0x1fffffffffffff', '0x20000000000000', '0xffffffffffffffff', '0x10000000000000000',
  '2147483647', '2147483648', '4294967295', '4294967296', '9007199254740991', '9007199254740992', '18446744073709551616',
  '99999999999999999999999', '1e9', '1e400', '-0', '0.5', 'NaN', 'Infinity', '-1e9', '0x', 'x', '', '1_000', '0b101', '00', '007',
];

function pickNumber(rng: Rng): string {
  if (rng.chance(0.7)) return rng.pick(EDGE_NUMBERS);
  const n = rng.int(1 << rng.int(33));
  return rng.chance(0.5) ? String(n) : '0x' + n.toString(16);
}

const JUNK_STRINGS = ['', ' ', '\t', '\r', '\n', '\r\n', '\x00', '\x04', '\x03', '\x1b[31m', 'é', '✓', '\ufffd', '\xff', '#', ':', '=', '"', "'", '{', '}', '[', ']', '..', '-', '--', 'null'];

/** Applies 1–4 random edits to text; `vocabulary` holds lines typical of the format. */
export function mutateText(rng: Rng, text: string, vocabulary: readonly string[] = []): string {
  let s = text;
  const edits = 1 + rng.int(rng.chance(0.2) ? 8 : 3);
  for (let e = 0; e < edits; e++) s = mutateOnce(rng, s, vocabulary);
  return s;
}

function mutateOnce(rng: Rng, s: string, vocabulary: readonly string[]): string {
  const at = (): number => (s.length ? rng.int(s.length + 1) : 0);
  const lines = (): string[] => s.split('\n');
  switch (rng.weighted([6, 3, 3, 3, 2, 2, 2, 3, 1, 1, 2, 2, 1])) {
    case 0: {
      // replace a number token
      const re = /0x[0-9a-fA-F]+|\d+/g;
      const found = [...s.matchAll(re)];
      if (found.length === 0) return s;
      const m = rng.pick(found);
      return s.slice(0, m.index) + pickNumber(rng) + s.slice(m.index! + m[0].length);
    }
    case 1: {
      // delete a span
      const i = at();
      return s.slice(0, i) + s.slice(i + 1 + rng.int(rng.chance(0.8) ? 8 : 400));
    }
    case 2: {
      // insert junk
      const i = at();
      const junk = rng.chance(0.5) ? rng.pick(JUNK_STRINGS) : String.fromCharCode(...Array.from({ length: 1 + rng.int(6) }, () => rng.int(rng.chance(0.8) ? 128 : 0x3000)));
      return s.slice(0, i) + junk + s.slice(i);
    }
    case 3: {
      // duplicate, drop or swap lines
      const ls = lines();
      const i = rng.int(ls.length);
      const j = rng.int(ls.length);
      const k = rng.int(3);
      if (k === 0) ls.splice(i, 0, ls[i]!);
      else if (k === 1) ls.splice(i, 1);
      else [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      return ls.join('\n');
    }
    case 4: {
      // truncate
      return s.slice(0, at());
    }
    case 5: {
      // a vocabulary line somewhere
      if (vocabulary.length === 0) return s;
      const ls = lines();
      let v = rng.pick(vocabulary);
      if (rng.chance(0.5)) v = v.replace(/\bN\b/g, () => pickNumber(rng));
      ls.splice(rng.int(ls.length + 1), 0, v.replace(/\bN\b/g, '16'));
      return ls.join('\n');
    }
    case 6: {
      // change a character's case or swap two neighbours
      const i = rng.int(Math.max(1, s.length - 1));
      return s.slice(0, i) + (s[i + 1] ?? '') + (s[i] ?? '') + s.slice(i + 2);
    }
    case 7: {
      // drop or duplicate a word on a line
      const ls = lines();
      const i = rng.int(ls.length);
      const w = ls[i]!.split(' ');
      const j = rng.int(w.length);
      if (rng.chance(0.5)) w.splice(j, 1);
      else w.splice(j, 0, w[j] ?? '');
      ls[i] = w.join(' ');
      return ls.join('\n');
    }
    case 8:
      return s.replace(/\n/g, '\r\n');
    case 9:
      return s.repeat(2);
    case 10: {
      // a word replaced by another word from the text
      const words = s.split(/\s+/).filter(Boolean);
      if (words.length < 2) return s;
      const a = rng.pick(words);
      const i = s.indexOf(a);
      return s.slice(0, i) + rng.pick(words) + s.slice(i + a.length);
    }
    case 11: {
      // a whole line becomes blank, a comment, or indented
      const ls = lines();
      const i = rng.int(ls.length);
      ls[i] = rng.pick(['', '# ' + ls[i], '   ' + ls[i], ls[i] + '   ', ls[i] + ' extra']);
      return ls.join('\n');
    }
    default: {
      // a big number of repeated lines (bounded)
      const ls = lines();
      const i = rng.int(ls.length);
      ls.splice(i, 0, ...Array(1 + rng.int(200)).fill(ls[i]));
      return ls.join('\n');
    }
  }
}

/** Byte-level edits for binary inputs (raw RAM dumps). */
export function mutateBytes(rng: Rng, data: Uint8Array): Uint8Array {
  let b = Uint8Array.from(data);
  const edits = 1 + rng.int(6);
  for (let e = 0; e < edits; e++) {
    const i = b.length ? rng.int(b.length) : 0;
    switch (rng.int(5)) {
      case 0:
        if (b.length) b[i] = rng.int(256);
        break;
      case 1:
        if (b.length) b[i] = rng.pick([0, 0xff, 0x80, 0x55, 0xaa]);
        break;
      case 2: {
        // a 32-bit word pointing somewhere plausible
        if (b.length >= 4) {
          const j = i - (i % 4);
          const v = rng.pick([0, 1, 0xffffffff, 0x20000000 + rng.int(0x2000), rng.int(2 ** 32)]);
          new DataView(b.buffer).setUint32(Math.min(j, b.length - 4), v >>> 0, true);
        }
        break;
      }
      case 3:
        b = b.slice(0, i);
        break;
      default: {
        const n = new Uint8Array(b.length + 8);
        n.set(b);
        n.set(rng.bytes(8), b.length);
        b = n;
      }
    }
  }
  return b;
}

/** Edits a JSON value at a random path: wrong types, edge numbers, deleted/added keys. */
export function mutateJson(rng: Rng, value: unknown): unknown {
  const edits = 1 + rng.int(3);
  let v = structuredClone(value);
  for (let e = 0; e < edits; e++) v = mutateJsonOnce(rng, v);
  return v;
}

function randomJson(rng: Rng): unknown {
  switch (rng.int(9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return Number(rng.pick(['0', '-1', '1', '4', '8', '16', '1e300', '4294967296', '0.5', '9007199254740993']));
    case 3:
      return pickNumber(rng);
    case 4:
      return rng.pick(['', 'str', 'list', 'L', 'h', 'v1.27', 'v1.9.4', '0x20000000', '0x', 'AAAA', '====', 'mcu-gc-heap-image/1', 'mcu-gc-snapshot/1']);
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return [randomJson(rng)];
    default:
      return { [rng.pick(['start', 'end', 'bytes', 'x', '0x10'])]: randomJson(rng) };
  }
}

function mutateJsonOnce(rng: Rng, root: unknown): unknown {
  // Walk to a random container.
  const path: Array<string | number> = [];
  let node: unknown = root;
  while (node && typeof node === 'object' && rng.chance(0.75)) {
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const k = rng.pick(keys);
    const child = (node as Record<string | number, unknown>)[k];
    if (!child || typeof child !== 'object') {
      path.push(k);
      break;
    }
    path.push(k);
    node = child;
  }
  if (path.length === 0) return rng.chance(0.1) ? randomJson(rng) : root;
  let parent: Record<string | number, unknown> = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  const cur = parent[last];
  switch (rng.int(6)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 1:
      if (typeof cur === 'string') parent[last] = mutateText(rng, cur);
      else parent[last] = randomJson(rng);
      break;
    case 2:
      if (typeof cur === 'number') parent[last] = Number(pickNumber(rng));
      else parent[last] = randomJson(rng);
      break;
    case 3:
      if (Array.isArray(parent)) parent.push(structuredClone(cur));
      else parent[`${String(last)}${rng.pick(['', 'x', '_'])}`] = randomJson(rng);
      break;
    case 4:
      if (typeof cur === 'string' && /^[A-Za-z0-9+/=]{8,}$/.test(cur)) {
        // base64 bytes: damage the decoded bytes, re-encode (a consistent but wrong heap)
        const b = mutateBytes(rng, Buffer.from(cur, 'base64'));
        parent[last] = Buffer.from(b).toString('base64');
      } else parent[last] = randomJson(rng);
      break;
    default:
      parent[last] = randomJson(rng);
  }
  return root;
}
