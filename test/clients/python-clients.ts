// MicroPython's own clients (pyboard.py and mpremote, v1.27.0 in ../shared/clients/tools)
// run with Debian's Python (python3-serial, python3-platformdirs), for tests against the
// virtual board. Each helper says why it cannot run, so tests skip with the reason.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const TOOLS = join(import.meta.dirname, '..', '..', '..', 'shared', 'clients', 'tools');

function pythonHas(module: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Why pyboard.py cannot run here, or undefined when it can. */
export function pyboardMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (Debian package python3)`;
  if (!existsSync(join(TOOLS, 'pyboard.py'))) return `${TOOLS}/pyboard.py is missing (the shared reference material)`;
  if (!pythonHas('serial')) return `pyserial is missing for ${PYTHON} (Debian package python3-serial)`;
  return undefined;
}

/** Why mpremote cannot run here, or undefined when it can. */
export function mpremoteMissing(): string | undefined {
  const p = pyboardMissing();
  if (p) return p;
  if (!existsSync(join(TOOLS, 'mpremote', 'mpremote', 'main.py'))) return `${TOOLS}/mpremote is missing (the shared reference material)`;
  if (!pythonHas('platformdirs')) return `platformdirs is missing for ${PYTHON} (Debian package python3-platformdirs)`;
  return undefined;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { cwd, timeout: timeoutMs, env: { ...process.env, PYTHONPATH: join(TOOLS, 'mpremote') } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number | string }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

/** `mpremote connect PORT …` */
export function mpremote(port: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return run(['-m', 'mpremote', 'connect', port, ...args], TOOLS, timeoutMs);
}

/**
 * Python with pyboard.py imported and `pyb` in the raw REPL of `port` (no soft reset);
 * `body` then drives it. The raw REPL is left and the port closed afterwards.
 */
export function pyboard(port: string, body: string, timeoutMs = 30_000): Promise<Run> {
  const prelude = [
    'import sys, time',
    `sys.path.insert(0, ${JSON.stringify(TOOLS)})`,
    'import pyboard',
    `pyb = pyboard.Pyboard(${JSON.stringify(port)})`,
    'pyb.enter_raw_repl(soft_reset=False)',
    'def read_until(text):',
    '    data = pyb.read_until(1, text.encode(), timeout=20)',
    '    assert data.endswith(text.encode()), data',
    '    return data',
  ].join('\n');
  const code = `${prelude}\ntry:\n${body.replace(/^/gm, '    ')}\nfinally:\n    pyb.exit_raw_repl()\n    pyb.close()\n`;
  return run(['-c', code], TOOLS, timeoutMs);
}
