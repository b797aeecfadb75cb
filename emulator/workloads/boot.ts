// What the interpreter has on the heap when the REPL prompt appears (before any user code):
// sys.modules, the __main__ module and its globals, sys.path/sys.argv, a qstr pool chunk and
// the REPL line buffer. Sizes are typical of a v1.2x build ([inferred]: the real set depends
// on frozen modules and boot.py); they only put a realistic few hundred bytes in use.
// Pure module.

import type { Mutator, Obj } from './mutator.js';

/** Root-section words the boot state uses; workloads get the rest. */
export const BOOT_ROOTS = 4;

export function bootState(m: Mutator): { globals: Obj } {
  // MP_STATE_VM(mp_loaded_modules_dict) and dict_main are in the root section.
  const modules = m.dict(4);
  m.setRoot(0, modules);
  const globals = m.dict(4);
  m.setRoot(1, globals);
  const main = m.instance(2);
  m.setLocal(0, main);
  const key = m.str(8);
  m.setLocal(1, key);
  m.dictSet(modules, key, main);
  m.setLocal(0, null);
  m.setLocal(1, null);
  // sys.path = ['', '.frozen', '/lib']
  const path = m.list(4);
  m.setRoot(2, path);
  for (const n of [0, 7, 4]) m.append(path, m.str(n));
  // The qstr pool chunk for names interned at boot (MP_STATE_VM(last_pool)).
  m.setRoot(3, m.buffer(24 * m.ws + 160));
  return { globals };
}
