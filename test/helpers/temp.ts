// Temporary folders for tests, removed when the test file that made them finishes, so that
// a run of the suite leaves nothing behind in os.tmpdir() (test/temp-leaks.ts checks).
//
//   import { tempDir } from '../helpers/temp.js';
//   const dir = tempDir('mcu-gc-trace-');
//
// tempDir() may be called anywhere: at module top level, in a describe() body, in a
// beforeAll/beforeEach hook or inside a test. Every folder lives until the end of its file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

// One afterAll for the whole file, registered when this module is imported. Vitest only takes
// afterAll() while it collects a test file (module top level or a describe() body): called
// from a running test or hook it is silently dropped (the file's hooks were already gathered),
// so tempDir() cannot register its own on first use. Importing happens during collection, and
// each test file imports this module afresh (isolate: true, vitest's default), so every file
// that uses tempDir() gets its own hook. onTestFinished() would work inside a test, but it
// removes the folder when that test ends, while a QEMU or virtual board stopped in a later
// afterAll may still write into it.
//
// A file-level afterAll runs after those of its describe() blocks, and with vitest's default
// sequence.hooks 'stack' after the file's own top-level afterAll hooks too (registered later,
// run earlier): the boards and QEMUs those stop are gone before their folders are removed.
afterAll(() => {
  const failed: string[] = [];
  for (const dir of made.splice(0)) {
    try {
      // maxRetries: a child process that is just ending (a CLI killed by a test) may still be
      // writing; rm then fails with ENOTEMPTY and succeeds on a retry.
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch (e) {
      failed.push(`${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (failed.length) throw new Error(`could not remove temporary folders:\n${failed.join('\n')}`);
});

/** A new folder `os.tmpdir()/<prefix>XXXXXX`, removed (with its contents) when the test file finishes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
