// Runs the built CLI (dist/) as a user does, for the tests against firmware under QEMU.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');
// Each test file's commands run in a folder of their own: a compare that a loaded board
// leaves incomplete still saves what arrived (nothing captured is lost), and that file
// belongs in a temporary folder, not in the checkout (removed when the test file finishes).
const CWD = tempDir('mcu-gc-qemu-cli-');

export function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000, cwd: CWD, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

/** The flags a compare output says to pass for its first suggested fix ("pass --a 1 --b 2 to use …"). */
export function suggestedFlags(stdout: string): string[] | undefined {
  const m = /pass ((?:--[a-z-]+ \S+ ?)+?)(?: \(instead of your placement flags\))? to use/.exec(stdout);
  return m ? m[1]!.trim().split(/\s+/) : undefined;
}
