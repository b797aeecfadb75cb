// The snapshot file `mcu-gc capture` writes (JSON): the mem_info(1) text exactly as the board
// printed it, its parsed form, where and when it came from, and what the capture itself cost.
// Loading re-parses the raw text (the stored `parsed` is for readers of the file, not trusted),
// so a snapshot from an older mcu-gc is read with today's parser.

import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UserError, located } from '../errors.js';
import { type ParsedMemInfo, parseMemInfo } from '../memdump/index.js';

export const SNAPSHOT_FORMAT = 'mcu-gc-snapshot/1';

export interface DeviceIdentity {
  /** sys.platform, e.g. "esp32", "rp2", "webassembly". */
  platform?: string;
  /** MicroPython version from sys.implementation.version, e.g. "1.27.0". */
  version?: string;
  /** repr(sys.implementation) as printed. */
  implementation?: string;
  /** repr(os.uname()) as printed, when the port has it. */
  uname?: string;
  /** The board/MCU description: os.uname().machine or sys.implementation._machine. */
  machine?: string;
}

/** What the capture itself put on the heap (see capture/device.ts for how it is measured). */
export interface CaptureFootprint {
  /** Blocks in use in the capture's dump that are free once the capture command has ended. */
  codeBlocks?: number;
  codeBytes?: number;
  /** Bytes allocated by the capture code between gc.collect() (or, with --no-collect, the command's start) and mem_info (expected 0). */
  allocatedBeforeDump?: number;
  /** What allocatedBeforeDump counts from: the capture's gc.collect(), or (--no-collect) the start of the capture command. Absent in older snapshots (collect). */
  since?: 'collect' | 'command start';
  /** How it was measured, in words. */
  method: string;
}

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** False when the board stopped answering mid-capture: `raw` is what arrived. */
  complete: boolean;
  /** ISO time the dump was taken. */
  time: string;
  port?: string;
  device: DeviceIdentity;
  /** gc.collect() ran right before the dump. */
  collected: boolean;
  softReset: boolean;
  script?: { file: string; output: string; error?: string };
  /** gc.mem_alloc() printed by the same command right before mem_info (the cross-check). */
  memAlloc?: number;
  /** gc.mem_alloc(), gc.mem_free() printed right after mem_info. */
  after?: { memAlloc: number; memFree: number };
  /** Raw-paste mode (source not held on the device) or chunked raw mode. */
  rawPaste?: boolean;
  footprint?: CaptureFootprint;
  /** The mem_info(1) text as received (\r\n kept). */
  raw: string;
  parsed: ParsedMemInfo;
  /** A heap image file written alongside (--ram). */
  ramImage?: string;
  notes: string[];
}

const snapshotSchema = z
  .object({
    format: z.literal(SNAPSHOT_FORMAT, { message: `must be "${SNAPSHOT_FORMAT}"` }),
    complete: z.boolean(),
    time: z.string(),
    port: z.string().optional(),
    device: z.object({}).passthrough(),
    collected: z.boolean(),
    softReset: z.boolean().optional(),
    raw: z.string(),
  })
  .passthrough();

/** One label for a snapshot or dump (used in reports). */
export interface LoadedDump {
  /** Where it came from: a file name, "device", "emulator". */
  label: string;
  parsed: ParsedMemInfo;
  snapshot?: Snapshot;
}

/**
 * Reads a snapshot (JSON) or a plain mem_info text (anything else: a terminal log, a file
 * saved from mpremote). Bad JSON or a text without mem_info output is a one-line UserError.
 */
export function loadDump(text: string, file: string): LoadedDump {
  if (/^\s*\{/.test(text)) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/, ".*$/, '');
      throw new UserError(jsonErrorAt(text, file, msg));
    }
    const r = snapshotSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new UserError(`${file}: ${i.path.join('.') || '(top level)'}: ${i.message} (not an mcu-gc snapshot)`);
    }
    const snap = r.data as unknown as Snapshot;
    const parsed = parseMemInfo(snap.raw);
    if (!parsed.found) throw new UserError(`${file}: raw: holds no micropython.mem_info() output`);
    return { label: file, parsed, snapshot: { ...snap, parsed } };
  }
  const parsed = parseMemInfo(text);
  if (!parsed.found) {
    throw new UserError(`${file}:1: no micropython.mem_info() output found (expected "stack: …", "GC: total: …" lines)`);
  }
  return { label: file, parsed };
}

/**
 * V8's JSON.parse messages carry no position; JSON is YAML 1.2, so the yaml parser (already a
 * dependency) locates the first syntax error as line and byte offset.
 */
function jsonErrorAt(text: string, file: string, msg: string): string {
  const err = parseDocument(text).errors[0];
  const lp = err?.linePos?.[0];
  if (err && lp) {
    const offset = Buffer.byteLength(text.slice(0, err.pos[0]));
    return located(file, lp.line, `not valid JSON: ${msg}`, undefined, offset);
  }
  return `${file}: not valid JSON: ${msg}`;
}

export function serializeSnapshot(s: Snapshot): string {
  return JSON.stringify(s, null, 1) + '\n';
}
