#!/usr/bin/env node
// Entry point: the CLI is compiled to dist/ by `npm install` (the `prepare` script).
// No V8 flags (a shebang's apply only when started as `mcu-gc`, not as `node
// bin/mcu-gc.js`): a replay allocates little (the trace reader refills one operation object,
// handle tables grow in chunks), so V8's young generation stays at its smallest anyway.
//
// CommonJS (bin/package.json), not an ES module like the rest: `mcu-gc trace FILE
// [--no-warnings]` runs from one bundled CommonJS file without starting the ES module loader
// at all, which is several MiB of peak memory (a replay of a small trace takes little more
// than Node itself). Every other command line goes to dist/src/cli/main.js.
'use strict';
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

// V8's on-disk compile cache (Node 22.1+; absent on Node 20, where this does nothing):
// later starts skip compiling the CLI's modules.
require('node:module').enableCompileCache?.();

const dist = join(__dirname, '..', 'dist');
const args = process.argv.slice(2);
const bundle = args[0] === 'trace' ? fastBundle() : null;
if (!(bundle !== null && require(bundle).runFastTrace(args))) {
  const main = join(dist, 'src', 'cli', 'main.js');
  if (!existsSync(main)) {
    process.stderr.write("mcu-gc: not built yet: run 'npm install' (or 'npm run build') in the mcu-gc folder first\n");
    process.exit(2);
  }
  import(require('node:url').pathToFileURL(main).href);
}

/**
 * The bundle, built by `npm run build` after tsc, or null: without it, or when it is older
 * than tsc's output (a plain `tsc` since the last build: it rewrites every file), main.js
 * runs the same fast path from the compiled modules. (Equal times: npm's tarballs give
 * every file the same.)
 */
function fastBundle() {
  const bundle = join(dist, 'src', 'cli', 'trace-fast.cjs');
  try {
    return statSync(bundle).mtimeMs >= statSync(join(dist, 'src', 'cli', 'trace-fast.js')).mtimeMs ? bundle : null;
  } catch {
    return null;
  }
}
