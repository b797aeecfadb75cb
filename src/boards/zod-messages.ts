// Messages for a board config's type errors that say what was expected and what the file
// has: zod's defaults are "Invalid input" for a union (wordSize: "four"), which names no
// fix. Used as the per-parse error map; anything not handled here keeps zod's message.
import type { z } from 'zod';

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

function expectedOf(iss: { code: string; values?: readonly unknown[]; expected?: string; message?: string }): string[] {
  if (iss.code === 'invalid_value' && iss.values) return iss.values.map((v) => JSON.stringify(v));
  if (iss.code === 'invalid_type' && iss.expected) return [`a ${iss.expected}`];
  if (iss.code === 'invalid_format' || iss.code === 'custom') return iss.message ? [iss.message] : [];
  return [];
}

function list(xs: string[]): string {
  const u = [...new Set(xs)];
  return u.length <= 1 ? (u[0] ?? '') : `${u.slice(0, -1).join(', ')} or ${u[u.length - 1]}`;
}

export const boardErrorMap: z.core.$ZodErrorMap = (iss) => {
  const got = 'input' in iss ? shown(iss.input) : undefined;
  const tail = got === undefined ? '' : `, not ${got}`;
  switch (iss.code) {
    case 'invalid_union': {
      const branches = (iss.errors ?? []).map((e) => e[0]).filter((e) => e !== undefined);
      const exp = branches.flatMap((e) => expectedOf(e as never));
      return exp.length ? `expected ${list(exp)}${tail}` : undefined;
    }
    case 'invalid_value':
      return `expected ${list(iss.values.map((v) => JSON.stringify(v)))}${tail}`;
    case 'invalid_type':
      if (iss.input === undefined) return `missing (expected a ${iss.expected})`;
      return `expected a ${iss.expected}${tail}`;
    default:
      return undefined;
  }
};
