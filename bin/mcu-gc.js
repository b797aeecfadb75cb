#!/usr/bin/env node
// Entry point: the CLI is compiled to dist/ by `npm install` (the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("mcu-gc: not built yet: run 'npm install' (or 'npm run build') in the mcu-gc folder first\n");
  process.exit(2);
}
await import(main.href);
