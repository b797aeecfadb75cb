// Runs the --ram read on the board: locate the interpreter state, measure the stack depth with
// a dry run of the same command shape, then the read itself; decodes what it printed.

import type { FirmwareFacts } from '../elf/firmware.js';
import { parseMemInfo, type ParsedMemInfo } from '../memdump/index.js';
import { TransportError } from '../serial/errors.js';
import { type Executor, execOwn } from './device.js';
import { LocateError, type LocatedState, locateState } from './locate.js';
import { MemReadError, damagedReadMessage, decodeRegion, splitSections } from './memread.js';
import { type RamPlan, planRegionList, planRegions, ramCode } from './ram.js';

export interface RamRead {
  /** The dump printed in the same command, right before the bytes were read. */
  dump: ParsedMemInfo;
  dumpText: string;
  /** The dump the firmware printed after its own gc.collect() at the end of the command. */
  afterText: string;
  after: ParsedMemInfo;
  plan: RamPlan;
  bytes: Uint8Array[];
  /** micropython.stack_use() inside the read (undefined without stack_use). */
  stackUse?: number;
  notes: string[];
}

export class RamReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RamReadError';
  }
}

export interface RamOptions {
  collect?: boolean;
  onProgress?: (done: number, total: number) => void;
  timeoutMs?: number;
  version?: string | undefined;
  platform?: string | undefined;
  facts?: FirmwareFacts | undefined;
  /** Set when the user interrupted: the board's KeyboardInterrupt is then no error of its own. */
  interrupted?: () => boolean;
}

interface Parsed {
  stackUse?: number;
  dumpText: string;
  sections: string[];
  afterText: string;
}

function parseOutput(text: string, regions: number): Parsed | undefined {
  const parts = splitSections(text);
  if (parts.length < regions + 2) return undefined;
  const head = parts[0]!;
  const nl = head.indexOf('\n');
  const first = head.slice(0, nl).trim();
  const out: Parsed = { dumpText: head.slice(nl + 1), sections: parts.slice(1, regions + 1), afterText: parts.slice(regions + 1).join('-1\n') };
  if (/^\d+$/.test(first) && first !== '0') out.stackUse = Number(first);
  return out;
}

export async function readRam(repl: Executor, layout: ParsedMemInfo, opts: RamOptions = {}): Promise<RamRead> {
  if (!layout.blockSize || layout.areas.length === 0) throw new RamReadError('the capture has no complete block table to read the heap by');
  const bs = layout.blockSize;
  const ws: 4 | 8 = bs >= 32 ? 8 : 4;
  const collect = opts.collect ?? true;
  let located: LocatedState;
  try {
    located = await locateState(repl, layout.areas, { version: opts.version, platform: opts.platform, wordSize: ws, blockSize: bs, facts: opts.facts, timeoutMs: opts.timeoutMs, interrupted: opts.interrupted });
  } catch (e) {
    if (e instanceof LocateError) throw new RamReadError(e.message);
    if (e instanceof MemReadError) throw new RamReadError(`reading the interpreter state: ${e.message}`);
    if (e instanceof TransportError) throw new RamReadError(`the board stopped answering while the interpreter state was located: ${e.message}`);
    throw e;
  }
  const withStack = located.stackTop !== undefined;
  const notes: string[] = [];
  const exec = async (plan: RamPlan, progress: boolean): Promise<{ stdout: string; stderr: string }> => {
    const regions = planRegionList(plan);
    const total = regions.reduce((n, r) => n + r.end - r.start, 0);
    // Characters printed per byte read: about 3 for both readers.
    let received = 0;
    const chunks: Buffer[] = [];
    try {
      // With onStdout the output streams to us and is not collected in the result.
      // Not again once the user pressed Ctrl-C: a command cut short by it is a SyntaxError too.
      const r = await execOwn(repl, ramCode(plan, { collect, stackUse: withStack }), {
        timeoutMs: opts.timeoutMs ?? 10_000,
        onStdout: (c: Uint8Array) => {
          chunks.push(Buffer.from(c));
          received += c.length;
          if (progress) opts.onProgress?.(Math.min(total, Math.floor(received / 3)), total);
        },
      }, {
        retry: () => !opts.interrupted?.(),
        // The read raises nothing by itself (a damaged address makes M raise: see withM).
        cannotRaise: true,
        onRetry: () => {
          chunks.length = 0;
          received = 0;
        },
      });
      return { stdout: Buffer.concat(chunks).toString('latin1'), stderr: r.stderr };
    } catch (e) {
      if (e instanceof TransportError) throw new RamReadError(`the board stopped answering after about ${Math.min(total, Math.floor(received / 3))} of ${total} bytes (did reading crash it?): ${e.message}`);
      throw e;
    }
  };
  const check = (r: { stderr: string }): void => {
    if (!r.stderr) return;
    const last = r.stderr.trim().split(/\r?\n/).pop() ?? '';
    if (/KeyboardInterrupt/.test(last) && opts.interrupted?.()) throw new RamReadError('interrupted (Ctrl-C): the board stopped the read and is back at its prompt');
    const damaged = damagedReadMessage(last);
    if (damaged) throw new RamReadError(`reading the heap: ${damaged}`);
    throw new RamReadError(`reading the heap raised on the board: ${last}`);
  };

  // How deep to read the stack: the read's own stack_use() is only known once it runs, so
  // read deeper than the probe's depth (within MP_STATE_THREAD(stack_limit): stack memory),
  // keep what the printed depth says, and read again if it was not deep enough.
  const top = located.stackTop;
  let stackRead: number | undefined;
  if (top) {
    const limit = top.limit > 0 && top.limit < top.value ? top.limit : 1024;
    stackRead = Math.min(limit, Math.ceil(((located.probeStackUse ?? 0) + 1024) / 16) * 16);
  }
  for (let attempt = 0; ; attempt++) {
    const plan = planRegions(located, stackRead);
    const regions = planRegionList(plan);
    const r = await exec(plan, true);
    check(r);
    const p = parseOutput(r.stdout, regions.length);
    if (!p) throw new RamReadError(`the read printed ${splitSections(r.stdout).length - 2} of ${regions.length} regions`);
    const stackUse = p.stackUse;
    if (top && stackRead !== undefined) {
      if (stackUse === undefined) throw new RamReadError('the read printed no micropython.stack_use() value');
      if (stackUse > stackRead) {
        if (attempt < 2 && stackUse <= top.limit) {
          notes.push(`the read ran ${stackUse} B deep in the stack, deeper than the ${stackRead} B read; read again`);
          stackRead = Math.ceil((stackUse + 256) / 16) * 16;
          continue;
        }
        throw new RamReadError(`the read ran ${stackUse} B deep in the stack, more than the ${stackRead} B it could read`);
      }
    }
    let bytes: Uint8Array[];
    try {
      bytes = regions.map((reg, i) => decodeRegion(located.reader, p.sections[i]!, reg));
    } catch (e) {
      if (e instanceof MemReadError) throw new RamReadError(e.message);
      throw e;
    }
    if (plan.stack && stackUse !== undefined) {
      // Keep [stack_top - stack_use, stack_top): the frames the collection at the end scans.
      const k = regions.length - 1;
      bytes[k] = bytes[k]!.slice(bytes[k]!.length - stackUse);
      plan.stack = { ...plan.stack, start: plan.stack.end - stackUse };
    }
    const out: RamRead = {
      dump: parseMemInfo(p.dumpText),
      dumpText: p.dumpText,
      afterText: p.afterText,
      after: parseMemInfo(p.afterText),
      plan,
      bytes,
      notes: [...notes, `read with ${located.reader === 'mem16' ? 'machine.mem16' : 'uctypes.bytearray_at'}`],
    };
    if (stackUse !== undefined) out.stackUse = stackUse;
    return out;
  }
}
