// The shape of a board config (ports/<id>.yaml and the user's own), checked with zod:
// types, ranges and unknown keys. Semantic checks (overlaps, heap outside RAM, ...) are
// emulator/board.ts's checkBoardSpec. Kept in its own file so the schema can grow (error
// maps, new keys) without touching the loader.

import { z } from 'zod';
import { GC_VERSIONS, isPowerOfTwo } from '../../emulator/config.js';

const addr = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const size = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const gcSchema = z
  .object({
    version: z.enum(GC_VERSIONS as unknown as [string, ...string[]]),
    wordSize: z.union([z.literal(4), z.literal(8)]),
    blockSize: z.number().int().refine(isPowerOfTwo, { message: 'block size must be a power of two' }),
    finaliser: z.boolean(),
    split: z.boolean(),
    splitAuto: z.boolean(),
    weakref: z.boolean(),
    gcStack: z.number().int().min(1).max(1 << 20),
    conservativeClear: z.boolean(),
  })
  .strict();

const rangeSchema = z
  .object({ start: addr, end: addr.optional(), size: size.optional(), note: z.string().optional() })
  .strict()
  .refine((r) => (r.end === undefined) !== (r.size === undefined), { message: 'give exactly one of end and size' });

export const boardSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes'),
    name: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    chip: z.string().min(1),
    port: z.string().min(1),
    micropython: z.string().regex(/^v\d+\.\d+(\.\d+)?/, 'a MicroPython release such as v1.27.0'),
    gc: gcSchema,
    regions: z
      .array(
        z
          .object({
            name: z.string().min(1),
            kind: z.enum(['ram', 'psram', 'flash', 'rom']),
            base: addr,
            size,
            note: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
    heap: z
      .object({
        placement: z.enum(['static', 'linker', 'malloc']),
        rule: z.string().min(1),
        start: addr,
        end: addr.optional(),
        size: size.optional(),
        endFixed: z.boolean().default(false),
        add: z.array(rangeSchema).default([]),
      })
      .strict()
      .refine((h) => (h.end === undefined) !== (h.size === undefined), { message: 'give exactly one of heap.end and heap.size' }),
    rootSection: z.object({ address: addr, words: z.number().int().min(8).max(4096) }).strict(),
    stack: z
      .object({
        top: addr,
        size,
        margin: z.number().int().nonnegative().default(0),
        used: size,
        check: z.boolean().default(true),
      })
      .strict(),
    typesBase: addr,
    types: z.partialRecord(z.enum(['tuple', 'list', 'dict', 'str', 'bytes', 'bytearray', 'array', 'float', 'fun_bc', 'module']), addr).optional(),
    bootUsed: z.object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative(), when: z.string().min(1) }).strict().optional(),
    threshold: z.union([
      z.literal('off'),
      z.number().int().nonnegative(),
      z.string().regex(/^pool\/[1-9][0-9]*$/, "a byte count, 'off', or 'pool/N'"),
    ]),
    thresholdSupported: z.boolean().default(true),
    memStats: z.boolean().default(false),
    splitAuto: z
      .object({
        rule: z.string().min(1),
        maxNewSplit: z.union([z.literal('largest-free-block'), size]),
        align: z.number().int().refine(isPowerOfTwo, { message: 'alignment must be a power of two' }),
        overhead: z.number().int().nonnegative(),
        segments: z.array(rangeSchema).min(1),
      })
      .strict()
      .optional(),
    sources: z.array(z.string().min(1)).min(1),
    inferred: z.record(z.string(), z.string()).default({}),
    notes: z.string().optional(),
  })
  .strict();

export type RawBoard = z.infer<typeof boardSchema>;
