// The GDB remote protocol client against an in-process fake stub: framing and checksums,
// retransmission after a NACK, a NACK for a corrupted reply, memory reads split to the
// stub's PacketSize, breakpoints, stop replies and Ctrl-C.

import { afterEach, describe, expect, it } from 'vitest';
import { GdbClient, parseStopReply } from '../../src/gdb/client.js';
import { decodePayload, encodePacket, PacketParser } from '../../src/gdb/packet.js';
import { FakeStub, type FakeTarget } from './fake-stub.js';

function target(): FakeTarget {
  const mem = new Map<number, number>();
  for (let i = 0; i < 1000; i++) mem.set(0x2000 + i, (i * 7) & 0xff);
  const regs = Array.from({ length: 17 }, (_, i) => i * 0x11);
  regs[13] = 0x3fff00;
  regs[15] = 0x79c;
  return { regs, mem, runTo: [] };
}

let stub: FakeStub | null = null;
let client: GdbClient | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await stub?.close();
  stub = null;
});

async function start(t = target(), packetSize = 0x100): Promise<{ stub: FakeStub; client: GdbClient }> {
  stub = new FakeStub(t, packetSize);
  const port = await stub.listen();
  client = await GdbClient.connect('127.0.0.1', port, { timeoutMs: 2000 });
  return { stub, client };
}

describe('packet framing', () => {
  it('checksums, escapes and run-length decoding', () => {
    expect(encodePacket('?').toString()).toBe('$?#3f');
    expect(encodePacket('a#b').toString('latin1')).toBe('$a}\x03b#' + ((0x61 + 0x7d + 0x03 + 0x62) & 0xff).toString(16));
    // "0* " is '0' then 32-29 = 3 more
    expect(decodePayload(Buffer.from('0* 1'))).toBe('00001');
    const p = new PacketParser();
    expect(p.push(Buffer.from('+$O'))).toEqual([{ kind: 'ack' }]);
    expect(p.push(Buffer.from('K#9a'))).toEqual([{ kind: 'packet', payload: 'OK' }]);
    expect(p.push(Buffer.from('$OK#00'))[0]).toMatchObject({ kind: 'bad', expected: 0x9a, got: 0 });
  });

  it('stop replies', () => {
    const s = parseStopReply('T05thread:01;swbreak:;');
    expect(s).toMatchObject({ kind: 'signal', code: 5 });
    expect(s.info.get('thread')).toBe('01');
    expect(parseStopReply('W00')).toMatchObject({ kind: 'exited', code: 0 });
    expect(() => parseStopReply('OK')).toThrow(/not a stop reply/);
  });
});

describe('GdbClient against a fake stub', () => {
  it('learns PacketSize and splits memory reads to fit it', async () => {
    const { stub, client } = await start(target(), 0x40);
    expect(client.packetSize).toBe(0x40);
    const m = await client.readMemory(0x2000, 300);
    expect(m.length).toBe(300);
    expect([...m.subarray(0, 4)]).toEqual([0, 7, 14, 21]);
    expect(m[299]).toBe((299 * 7) & 0xff);
    expect(stub.maxRead * 2 + 4).toBeLessThanOrEqual(0x40);
    expect(stub.received.filter((p) => p.startsWith('m')).length).toBeGreaterThan(10);
  });

  it('reads registers with g and p', async () => {
    const { client } = await start();
    const regs = await client.readRegisters();
    expect(regs[13]).toBe(0x3fff00);
    expect(regs[1]).toBe(0x11);
    expect(await client.readRegister(15)).toBe(0x79c);
  });

  it('resends a packet the stub NACKs, and NACKs a reply with a bad checksum', async () => {
    const { stub, client } = await start();
    stub.nackNext = 2;
    expect((await client.readRegisters())[2]).toBe(0x22);
    expect(client.stats.retransmits).toBe(2);
    stub.corruptNext.add('g');
    expect((await client.readRegisters())[3]).toBe(0x33);
    expect(client.stats.badChecksums).toBe(1);
  });

  it('sets breakpoints, continues to stop replies, steps, and reports exit', async () => {
    const t = target();
    t.runTo = [0x400, 'exit'];
    const { stub, client } = await start(t);
    await client.insertBreakpoint(0x400);
    expect(stub.breakpoints.has(0x400)).toBe(true);
    const s = await client.resume(2000);
    expect(s).toMatchObject({ kind: 'signal', code: 5 });
    expect(s.info.get('0f')).toBe('00040000');
    expect(await client.readRegister(15)).toBe(0x400);
    await client.step();
    expect(await client.readRegister(15)).toBe(0x402);
    await client.removeBreakpoint(0x400);
    expect(stub.breakpoints.size).toBe(0);
    expect(await client.resume(2000)).toMatchObject({ kind: 'exited' });
  });

  it('Ctrl-C stops a running target', async () => {
    const { client } = await start();
    const run = client.resume(0);
    setTimeout(() => client.interrupt(), 20);
    expect(await run).toMatchObject({ kind: 'signal', code: 2 });
  });

  it('a refused port fails with one line after the retry window', async () => {
    await expect(GdbClient.connect('127.0.0.1', 1, { retryMs: 100 })).rejects.toThrow(/cannot connect to the GDB stub at 127.0.0.1:1/);
  });
});
