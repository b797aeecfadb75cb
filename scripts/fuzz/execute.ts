// One fuzz case end to end: its files written to a fresh folder, the command run (in this
// process, or as the real `node bin/mcu-gc.js` when `spawn` is set), and every promise checked.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildBoard } from '../../emulator/board.js';
import { parseBoard } from '../../src/boards/load.js';
import { formatLayout, layoutReport } from '../../src/commands/layout.js';
import { UserError, isEngineError } from '../../src/errors.js';
import { type RunOutcome, folderProblems, outcomeProblems } from './checks.js';
import { type FuzzCase, type Kind, packageRoot } from './cases.js';
import { runCaptured } from './in-process.js';

export interface CaseResult {
  index: number;
  kind: Kind;
  spawned: boolean;
  code: number;
  problems: string[];
  argv: string[];
  /** The first 400 characters of stderr, for the report. */
  err: string;
  ms: number;
}

/** Board YAML has no command of its own: the reader and the board builder, as `layout` uses them. */
function boardOutcome(yaml: string): RunOutcome {
  try {
    const spec = parseBoard(yaml, 'fuzz.yaml');
    let board;
    try {
      board = buildBoard(spec);
    } catch (e) {
      // As boardFromArgs (src/commands/layout.ts) reports engine errors for a board.
      if (isEngineError(e)) throw new UserError(`--board ${spec.id}: ${e.message}`);
      throw e;
    }
    formatLayout(layoutReport(board));
    return { code: 0, out: '', err: '' };
  } catch (e) {
    if (e instanceof UserError) return { code: e.exitCode, out: '', err: `mcu-gc: ${e.message}\n` };
    return { code: 70, out: '', err: `internal error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n` };
  }
}

export async function executeCase(c: FuzzCase, index: number, opts: { spawn?: boolean; timeoutMs?: number } = {}): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mcu-gc-fuzz-'));
  const t0 = Date.now();
  try {
    for (const [name, data] of Object.entries(c.files)) {
      const f = join(dir, name);
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, data);
    }
    const argv = c.argv.map((a) => a.replaceAll('{dir}', dir));
    let r: RunOutcome;
    let spawned = false;
    if (c.kind === 'board') r = boardOutcome(c.boardYaml ?? '');
    // A process's arguments cannot hold a NUL byte (spawn refuses them): such a case runs
    // in-process only, where the CLI still gets the string as it is.
    else if (opts.spawn && !argv.some((a) => a.includes('\0'))) {
      spawned = true;
      const p = spawnSync(process.execPath, [join(packageRoot(), 'bin/mcu-gc.js'), ...argv], {
        encoding: 'utf8',
        timeout: opts.timeoutMs ?? 60_000,
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
        env: { ...process.env, MCU_GC_DEBUG: '' },
        cwd: dir,
      });
      r = { code: p.status ?? (p.signal ? 128 : -1), out: p.stdout ?? '', err: (p.stderr ?? '') + (p.error ? `\n(spawn: ${p.error.message})` : '') };
      if (p.signal) r.err += `\n(killed by ${p.signal}: over ${opts.timeoutMs ?? 60_000} ms)`;
    } else {
      // In the case folder, as the spawned sample: a mutated command line may name a relative
      // output file (`--html esp32c3`), which must land where the case's checks look, not in
      // the folder the soak was started from.
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        r = await runCaptured(argv);
      } finally {
        process.chdir(cwd);
      }
    }
    const problems = [...outcomeProblems(r), ...folderProblems(dir, new Set(Object.keys(c.files)))];
    return { index, kind: c.kind, spawned, code: r.code, problems, argv: c.argv, err: r.err.slice(0, 400), ms: Date.now() - t0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
