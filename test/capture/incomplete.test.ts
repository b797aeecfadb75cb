// Fault injection (the mock binding stands in for a board that gets unplugged mid-dump; a
// real MicroPython cannot be made to do that on demand): what arrived is kept, marked
// incomplete, and parses as far as it goes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IncompleteCapture, captureSnapshot } from '../../src/capture/device.js';
import { BytesReprDecoder, encodeBytesRepr } from '../../src/capture/bytes-repr.js';
import { RawRepl } from '../../src/serial/raw-repl.js';
import { BANNER, openScriptedDevice } from '../serial/mock-device.js';

const DUMP_HEAD =
  'stack: 528 out of 64512\r\nGC: total: 25152, used: 3424, free: 21728\r\n No. of 1-blocks: 49, 2-blocks: 7, max blk sz: 32, max free sz: 1226\r\n' +
  'GC memory layout; from 565c33e0:\r\n00000000: h=ShhhhhBhhhhBShhThhh=h====hhh====hhhBhhh=======================\r\n';

describe('a board that disconnects during the dump', () => {
  it('keeps what arrived, marked incomplete, with unknown blocks for the rest', async () => {
    let buf = '';
    const dev = await openScriptedDevice((data, d) => {
      buf += data.toString('latin1');
      if (buf.endsWith('\r\x01')) {
        d.send(BANNER);
        buf = '';
        return;
      }
      if (!buf.endsWith('\x04')) return;
      const code = buf;
      buf = '';
      if (code.includes('implementation')) d.send("OK(name='micropython', version=(1, 27, 0, ''))\r\nrp2\r\n\r\n\x04\x04>");
      else if (code.includes('mem_info')) {
        d.send('OK3424\r\n' + DUMP_HEAD);
        setTimeout(() => d.unplug(), 20);
      }
    });
    const repl = new RawRepl(dev.stream, { timeoutMs: 500, enterTimeoutMs: 1000, interruptDelayMs: 0, rawPaste: false });
    await repl.enter();
    const e = await captureSnapshot(repl, { port: '/dev/mock' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IncompleteCapture);
    const s = (e as IncompleteCapture).snapshot;
    expect(s.complete).toBe(false);
    expect(s.raw).toBe('3424\r\n' + DUMP_HEAD);
    expect(s.device.platform).toBe('rp2');
    expect(s.memAlloc).toBe(3424);
    expect(s.parsed.gc!.used).toBe(3424);
    expect(s.parsed.areas[0]!.map).toHaveLength(64);
    expect(s.notes.join(' ')).toMatch(/stopped answering/);
    // The totals line says 1572 blocks and only 64 arrived: the parser says so.
    expect(s.parsed.complete).toBe(false);
    expect(s.parsed.issues).toEqual([expect.objectContaining({ severity: 'error', line: 3, message: expect.stringContaining('total 25152') })]);
    await repl.close();
  });
});

describe('bytes literal decoding (print(bytearray) as MicroPython quotes it)', () => {
  it('decodes exactly what encodes, fed in arbitrary pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(50), { maxLength: 30 }), (b, cuts) => {
        const text = encodeBytesRepr(b) + '\r\n';
        const d = new BytesReprDecoder(8);
        let at = 0;
        let rest = '';
        for (const c of [...cuts, text.length]) {
          const piece = text.slice(at, at + c + 1);
          at += piece.length;
          rest += d.feed(piece);
          if (at >= text.length) break;
        }
        expect(d.done).toBe(true);
        expect(Buffer.from(d.bytes())).toEqual(Buffer.from(b));
        expect(rest).toBe('\r\n');
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('uses the double quote when the data holds a single quote only, as py/objstr.c does', () => {
    expect(encodeBytesRepr(Buffer.from("a'b"))).toBe('bytearray(b"a\'b")');
    const d = new BytesReprDecoder();
    d.feed('bytearray(b"a\'b\\\\\\x00\\n")');
    expect(Buffer.from(d.bytes())).toEqual(Buffer.from("a'b\\\x00\n", 'latin1'));
  });
});
