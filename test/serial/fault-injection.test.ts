// The raw REPL client against misbehaving devices (scripted on serialport's mock binding).

import { describe, expect, it } from 'vitest';
import { TransportError } from '../../src/serial/errors.js';
import { RawRepl } from '../../src/serial/raw-repl.js';
import { BANNER, openScriptedDevice, type ScriptedDevice } from './mock-device.js';

interface Behaviour {
  /** Sent before the raw banner when the host sends Ctrl-A. */
  beforeBanner?: string;
  /** Never send the banner. */
  noBanner?: boolean;
  /** Reply to "\x05A\x01": 'refuse' → "R\x00>", or a custom handler. */
  rawPaste?: 'refuse' | ((dev: ScriptedDevice) => void);
  /** Called with the code once the host sent code + "\x04" in chunked raw mode. */
  onCode?: (code: string, dev: ScriptedDevice) => void;
  /** Send every reply byte by byte, this many ms apart. */
  trickleMs?: number;
  /** Lose the first "\x04" that ends the code (no flow control; a loaded QEMU micro:bit). */
  loseFirstEot?: boolean;
}

/** A small raw REPL: enough protocol for the fault under test. */
async function device(b: Behaviour): Promise<ScriptedDevice> {
  let pending = '';
  let pasting: ((data: string, dev: ScriptedDevice) => void) | undefined;
  // A device sends its replies in order: trickled replies queue behind each other.
  let queue: Promise<void> = Promise.resolve();
  const reply = (dev: ScriptedDevice, s: string): void => {
    if (b.trickleMs) queue = queue.then(() => dev.trickle(s, b.trickleMs!));
    else dev.send(s);
  };
  return openScriptedDevice((data, dev) => {
    const s = data.toString('latin1');
    if (pasting) {
      pasting(s, dev);
      return;
    }
    if (s === '\r\x03\x03') {
      reply(dev, '\r\n>>> \r\n>>> ');
      return;
    }
    if (s === '\r\x01') {
      if (!b.noBanner) reply(dev, (b.beforeBanner ?? '\r\n') + BANNER);
      else reply(dev, b.beforeBanner ?? '');
      return;
    }
    if (s === '\x01') {
      // pyexec.c's raw REPL on Ctrl-A while reading code: drop the line, print the banner.
      pending = '';
      reply(dev, BANNER);
      return;
    }
    if (s === '\x04' && b.loseFirstEot) {
      b.loseFirstEot = false;
      return;
    }
    if (s === '\x05A\x01') {
      if (b.rawPaste === 'refuse' || b.rawPaste === undefined) reply(dev, 'R\x00>');
      else {
        b.rawPaste(dev);
        pasting = (more, d) => (dev as unknown as { onPaste?: (m: string, d: ScriptedDevice) => void }).onPaste?.(more, d);
      }
      return;
    }
    pending += s;
    if (pending.endsWith('\x04')) {
      const code = pending.slice(0, -1);
      pending = '';
      b.onCode?.(code, dev);
    }
  });
}

function expectTransportError(e: unknown, step: RegExp, ...parts: (string | RegExp)[]): TransportError {
  expect(e).toBeInstanceOf(TransportError);
  const err = e as TransportError;
  expect(err.message).toMatch(step);
  for (const p of parts) {
    if (typeof p === 'string') expect(err.message).toContain(p);
    else expect(err.message).toMatch(p);
  }
  expect(err.exitCode).toBe(1);
  expect(err.message).not.toContain('\n');
  return err;
}

const fast = { timeoutMs: 400, enterTimeoutMs: 1500, interruptDelayMs: 0, chunkDelayMs: 0 };

describe('entering the raw REPL', () => {
  it('finds the banner after garbage and stale output, and speaks the protocol in order', async () => {
    const garbage = 'Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n\xff\x00\x1b[0m>>> ets Jul 29 2019\r\nraw REPL; CTRL-B to ex';
    const dev = await device({ beforeBanner: garbage, onCode: (code, d) => d.send(code === 'print(1)' ? 'OK1\r\n\x04\x04>' : 'OK\x04?\x04>') });
    const repl = new RawRepl(dev.stream, { ...fast, rawPaste: false });
    await repl.enter();
    const r = await repl.exec('print(1)');
    expect(r.stdout).toBe('1\r\n');
    expect(dev.writes[0]!.toString('latin1')).toBe('\r\x03\x03');
    expect(dev.writes[1]!.toString('latin1')).toBe('\r\x01');
    await repl.close();
    // Leaving: Ctrl-B, as mpremote's exit_raw_repl.
    expect(dev.written()).toContain('\r\x02');
  });

  it('times out without a banner, naming the step and showing what came instead', async () => {
    const dev = await device({ noBanner: true, beforeBanner: 'MicroPython v1.9.4 on 2018-05-11; ESP32 module with ESP32\r\n>>> ' });
    const repl = new RawRepl(dev.stream, fast);
    const t0 = Date.now();
    const e = await repl.enter().catch((x: unknown) => x);
    expectTransportError(e, /^entering raw REPL/, 'timed out', 'raw REPL; CTRL-B to exit', 'ESP32 module with ESP32\\r\\n>>> ');
    expect(Date.now() - t0).toBeLessThan(3000);
    await repl.close();
  });

  it('says "received nothing" for a silent device', async () => {
    const dev = await openScriptedDevice(() => {});
    const repl = new RawRepl(dev.stream, fast);
    const e = await repl.enter().catch((x: unknown) => x);
    expectTransportError(e, /^entering raw REPL/, 'received nothing');
    await repl.close();
  });
});

describe('a slow device', () => {
  it('succeeds when bytes trickle in slower in total than the timeout (the timeout is inter-byte)', async () => {
    const dev = await device({
      trickleMs: 8,
      onCode: (_code, d) => void d.trickle('OKslow but steady\r\n\x04\x04>', 8),
    });
    const repl = new RawRepl(dev.stream, { ...fast, timeoutMs: 250, enterTimeoutMs: 5000, rawPaste: false });
    const t0 = Date.now();
    await repl.enter();
    const r = await repl.exec('print("slow but steady")');
    expect(r.stdout).toBe('slow but steady\r\n');
    expect(Date.now() - t0).toBeGreaterThan(250);
    await repl.close();
  });
});

describe('disconnects', () => {
  it('fails a raw-paste transfer cut off by unplugging, naming the step', async () => {
    let received = 0;
    const dev = await device({
      rawPaste: (d) => {
        d.send(Buffer.from([0x52, 0x01, 16, 0, 0x01]));
        (d as unknown as { onPaste: (m: string, d: ScriptedDevice) => void }).onPaste = (more, dd) => {
          received += more.length;
          // Grant one more window, then vanish.
          if (received >= 32 && received < 48) dd.send('\x01');
          if (received >= 40) dd.unplug();
        };
      },
    });
    const repl = new RawRepl(dev.stream, fast);
    await repl.enter();
    const e = await repl.exec('x = 1\n'.repeat(100)).catch((x: unknown) => x);
    expectTransportError(e, /^raw-paste transfer/, /disconnected|closed/);
    expect(received).toBeLessThan(600);
    await repl.close();
  });

  it('fails while following output, keeping what was received for the message', async () => {
    const dev = await device({
      onCode: (_code, d) => {
        d.send('OKpartial output line\r\n');
        setTimeout(() => d.unplug(), 20);
      },
    });
    const repl = new RawRepl(dev.stream, { ...fast, rawPaste: false });
    await repl.enter();
    const e = await repl.exec('long_running()').catch((x: unknown) => x);
    expectTransportError(e, /^running code/, 'disconnected', 'partial output line');
    await repl.close();
  });
});

describe('a board that resets while code runs', () => {
  it('stops waiting as soon as the boot banner and friendly prompt appear', async () => {
    const boot =
      '\r\nets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n' +
      'MicroPython v1.27.0 on 2025-12-10; Generic ESP32 module with ESP32\r\nType "help()" for more information.\r\n>>> ';
    const dev = await device({
      onCode: (_code, d) => {
        d.send('OKbefore the brown-out\r\n');
        setTimeout(() => d.send(boot), 30);
      },
    });
    const repl = new RawRepl(dev.stream, { ...fast, timeoutMs: 5000, rawPaste: false });
    await repl.enter();
    const t0 = Date.now();
    const e = await repl.exec('work()').catch((x: unknown) => x);
    expectTransportError(e, /^running code/, 'board reset', 'POWERON_RESET', 'Generic ESP32 module');
    expect(Date.now() - t0).toBeLessThan(2000);
    await repl.close();
  });
});

describe('raw-paste flow control and fallback', () => {
  it('never sends beyond the granted window when credits come late', async () => {
    const WINDOW = 8;
    let credit = 2 * WINDOW;
    let consumed = 0;
    let overflow = 0;
    let code = '';
    const dev = await device({
      rawPaste: (d) => {
        d.send(Buffer.from([0x52, 0x01, WINDOW, 0, 0x01]));
        (d as unknown as { onPaste: (m: string, d: ScriptedDevice) => void }).onPaste = (more, dd) => {
          for (const ch of more) {
            if (ch === '\x04') {
              dd.send(`\x04${code.length}\r\n\x04\x04>`);
              return;
            }
            if (credit === 0) overflow++;
            credit--;
            code += ch;
            if (++consumed % WINDOW === 0) {
              // The device "compiles" slowly: the credit arrives later.
              setTimeout(() => {
                credit += WINDOW;
                dd.send('\x01');
              }, 3);
            }
          }
        };
      },
    });
    const repl = new RawRepl(dev.stream, fast);
    await repl.enter();
    const src = 'print("flow control")\n'.repeat(12);
    const r = await repl.exec(src);
    expect(r.rawPaste).toBe(true);
    expect(overflow).toBe(0);
    expect(code).toBe(src);
    expect(r.stdout.trim()).toBe(String(src.length));
    await repl.close();
  });

  it('stops sending when the device ends raw paste early and reports its error', async () => {
    let got = 0;
    const dev = await device({
      rawPaste: (d) => {
        d.send(Buffer.from([0x52, 0x01, 16, 0, 0x01]));
        (d as unknown as { onPaste: (m: string, d: ScriptedDevice) => void }).onPaste = (more, dd) => {
          if (more === '\x04') {
            dd.send('\x04Traceback (most recent call last):\r\n  File "<stdin>", line 1\r\nSyntaxError: invalid syntax\r\n\x04>');
            return;
          }
          got += more.length;
          if (got >= 16 && got - more.length < 16) dd.send('\x04'); // compile error seen: end of reception
        };
      },
    });
    const repl = new RawRepl(dev.stream, fast);
    await repl.enter();
    const src = 'def (:\n' + 'pass\n'.repeat(200);
    const r = await repl.exec(src);
    expect(r.exception).toEqual({ type: 'SyntaxError', message: 'invalid syntax' });
    expect(got).toBeLessThanOrEqual(32);
    await repl.close();
  });

  // 102 bytes of code: chunks of the size asked for (32 by default: half the micro:bit raw
  // REPL's 64-byte input buffer), with the pause between them.
  it.each([
    ['the default size, 32', {}, [32, 32, 32, 6], 0],
    ['a configured size', { chunkSize: 40, chunkDelayMs: 15 }, [40, 40, 22], 15],
  ])('falls back to chunked raw mode on "R\\x00": %s', async (_what, opts, sizes, delay) => {
    let code = '';
    const dev = await device({
      rawPaste: 'refuse',
      onCode: (c, d) => {
        code = c;
        d.send('OK\x04\x04>');
      },
    });
    const repl = new RawRepl(dev.stream, { ...fast, ...opts });
    await repl.enter();
    const src = 'y = 2\n'.repeat(17);
    const t0 = Date.now();
    const r = await repl.exec(src);
    expect(r.rawPaste).toBe(false);
    expect(code).toBe(src);
    // The code's writes, then the Ctrl-D that ends it.
    expect(dev.writes.slice(3).map((w) => w.length)).toEqual([...sizes, 1]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual((sizes.length - 1) * delay - 5);
    await repl.close();
  });

  it('rejects a reply to the code that is not "OK", showing it', async () => {
    const dev = await device({ onCode: (_c, d) => d.send('ERR what?') });
    const repl = new RawRepl(dev.stream, { ...fast, rawPaste: false });
    await repl.enter();
    const e = await repl.exec('print(1)').catch((x: unknown) => x);
    expectTransportError(e, /^sending code \(raw mode\)/, 'did not answer "OK"', 'ER');
    await repl.close();
  });

  it('sends the code again when the "\x04" after it was lost (nothing came back; Ctrl-A shows the board still reading)', async () => {
    const ran: string[] = [];
    const dev = await device({
      loseFirstEot: true,
      onCode: (c, d) => {
        ran.push(c);
        d.send('OK3\r\n\x04\x04>');
      },
    });
    const repl = new RawRepl(dev.stream, { ...fast, rawPaste: false });
    await repl.enter();
    const r = await repl.exec('print(1 + 2)');
    expect(r.stdout).toBe('3\r\n');
    expect(ran).toEqual(['print(1 + 2)']);
    expect(dev.written()).toContain('print(1 + 2)\x04\x01print(1 + 2)\x04');
    await repl.close();
  });

  it('does not run the code twice when the board answers only after the silence (reports it)', async () => {
    const ran: string[] = [];
    let busy = false;
    const dev = await openScriptedDevice((data, d) => {
      const s = data.toString('latin1');
      if (s === '\r\x03\x03') d.send('\r\n>>> ');
      else if (s === '\r\x01') d.send(BANNER);
      else if (s === '\x01') {
        // A board running the code reads the Ctrl-A only when it is back in the raw REPL.
        if (!busy) d.send(BANNER);
      } else if (s.endsWith('\x04')) {
        ran.push(s);
        busy = true;
        // Silent for longer than the timeout, then the answer, then the Ctrl-A's banner.
        setTimeout(() => d.send(`OK3\r\n\x04\x04>${BANNER}`), 600);
      }
    });
    const repl = new RawRepl(dev.stream, { ...fast, rawPaste: false });
    await repl.enter();
    const e = await repl.exec('print(1 + 2)').catch((x: unknown) => x);
    expectTransportError(e, /^sending code \(raw mode\)/, 'answered the code only after', 'OK3');
    expect(ran).toHaveLength(1);
    await repl.close();
  });

  it('rejects an unknown raw-paste reply instead of guessing', async () => {
    const dev = await device({ rawPaste: (d) => d.send('Zz') });
    const repl = new RawRepl(dev.stream, fast);
    await repl.enter();
    const e = await repl.exec('print(1)').catch((x: unknown) => x);
    expectTransportError(e, /^raw-paste request/, 'unexpected reply', '"Zz"');
    await repl.close();
  });
});
