// Writing a comparison the way the user asked: text on stdout (coloured only on a terminal
// without NO_COLOR), --json, and --html FILE (atomic, never over an existing file without --force).

import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/files.js';
import type { ParsedMemInfo } from '../memdump/index.js';
import type { Comparison } from './compare.js';
import { renderHtml } from './render-html.js';
import { renderText } from './render-text.js';

export interface OutputArgs {
  json: boolean;
  html?: string;
  force: boolean;
  color?: boolean;
  'max-runs': number;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off; otherwise colour only on a TTY. */
export function useColor(explicit: boolean | undefined, stream: { isTTY?: boolean } = process.stdout): boolean {
  if (explicit !== undefined) return explicit;
  const nc = process.env.NO_COLOR;
  if (nc !== undefined && nc !== '') return false;
  return stream.isTTY === true;
}

export function writeComparison(
  c: Comparison,
  a: ParsedMemInfo,
  b: ParsedMemInfo,
  args: OutputArgs,
  extra: { title: string; notes: string[]; header?: string; json?: Record<string, unknown> },
): void {
  const maxRuns = args['max-runs'];
  if (!Number.isSafeInteger(maxRuns) || maxRuns < 0) throw new UserError(`--max-runs ${maxRuns}: expected a whole number of runs, at least 0`);
  if (args.html !== undefined) {
    writeFileAtomic(args.html, renderHtml(c, a, b, { title: extra.title, notes: extra.notes }), { force: args.force });
  }
  if (args.json) {
    process.stdout.write(JSON.stringify({ ...(extra.json ?? {}), notes: extra.notes, comparison: c }, null, 1) + '\n');
    return;
  }
  let s = extra.header ?? '';
  s += renderText(c, { color: useColor(args.color), maxRuns: args['max-runs'], notes: extra.notes });
  if (args.html !== undefined) s += `wrote ${args.html}\n`;
  process.stdout.write(s);
}
