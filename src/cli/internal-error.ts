// The catch-all for errors that are bugs in mcu-gc, not bad input: one line a user can
// paste into a bug report (version, Node version, platform, the command line, the
// message, where to file it). The stack trace only with MCU_GC_DEBUG=1, so the promise
// "no stack trace" holds for users while a developer can still get one.

import { readFileSync } from 'node:fs';

interface PackageInfo {
  version: string;
  bugs: string;
}

/** package.json's version and bugs URL, found by walking up from this file (src/ or dist/src/). */
function packageInfo(): PackageInfo {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string; bugs?: string | { url?: string } };
      if (pkg.name !== 'mcu-gc') continue;
      const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
      return { version: pkg.version ?? 'unknown', bugs: bugs ?? "the mcu-gc issue tracker (see the README's Development section)" };
    } catch {
      /* try the next place */
    }
  }
  return { version: 'unknown', bugs: 'the mcu-gc issue tracker' };
}

/** Quotes an argument for a shell, so the reported command line can be re-run as is. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-.,/:=@%+]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function internalErrorMessage(e: unknown, argv: readonly string[]): string {
  const message = (e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e)).replace(/\s*\n\s*/g, ' ');
  const pkg = packageInfo();
  const cmd = ['mcu-gc', ...argv.map(shellQuote)].join(' ');
  let s =
    `mcu-gc: internal error: ${message} — this is a bug in mcu-gc; please report it to ${pkg.bugs} with: ` +
    `mcu-gc ${pkg.version}, node ${process.version} (${process.platform} ${process.arch}), command: ${cmd}, and this message ` +
    `(MCU_GC_DEBUG=1 adds the stack trace)\n`;
  if (process.env.MCU_GC_DEBUG && e instanceof Error && e.stack) s += `${e.stack}\n`;
  return s;
}
