#!/usr/bin/env -S node --max-semi-space-size=2
// Entry point: the CLI is compiled to dist/ by `npm install` (the `prepare` script).
// The shebang's flag: long trace replays allocate many short-lived objects, and a small
// young generation keeps peak memory near the emulated heap's size at little cost in speed.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// V8's on-disk compile cache (Node 22.1+; absent on Node 20, where this does nothing):
// later starts skip compiling the CLI's modules.
module.enableCompileCache?.();

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("mcu-gc: not built yet: run 'npm install' (or 'npm run build') in the mcu-gc folder first\n");
  process.exit(2);
}
await import(main.href);
