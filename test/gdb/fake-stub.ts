// An in-process GDB stub for tests: a TCP server speaking the remote serial protocol over
// a small fake target (registers, a memory image, breakpoints, a scripted run). It can
// corrupt the checksum of chosen replies and NACK chosen packets, to exercise retransmits.

import { createServer, type Server, type Socket } from 'node:net';
import { encodePacket, PacketParser } from '../../src/gdb/packet.js';

export interface FakeTarget {
  regs: number[];
  mem: Map<number, number>;
  /** Where `c` stops next: the pc values to stop at, in order ('exit' ends the target). */
  runTo: Array<number | 'exit'>;
}

export class FakeStub {
  readonly breakpoints = new Set<number>();
  readonly received: string[] = [];
  /** Payload prefixes whose next reply goes out with a wrong checksum (once each). */
  corruptNext = new Set<string>();
  /** NACK the next N packets from the client. */
  nackNext = 0;
  /** Largest memory read seen, bytes. */
  maxRead = 0;
  private server: Server;
  private sock: Socket | null = null;
  private running = false;
  port = 0;

  constructor(
    readonly target: FakeTarget,
    readonly packetSize = 0x100,
  ) {
    this.server = createServer((s) => this.serve(s));
  }

  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    this.sock?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private reply(payload: string, forWhat: string): void {
    let pkt = encodePacket(payload);
    for (const c of this.corruptNext) {
      if (forWhat.startsWith(c)) {
        this.corruptNext.delete(c);
        const bad = Buffer.from(pkt);
        bad[bad.length - 1] = bad[bad.length - 1] === 0x30 ? 0x31 : 0x30;
        pkt = bad;
        this.lastGood = encodePacket(payload);
      }
    }
    this.sock!.write(pkt);
  }

  private lastGood: Buffer | null = null;

  private word(w: number): string {
    return Buffer.from(Uint32Array.of(w >>> 0).buffer).toString('hex');
  }

  private serve(s: Socket): void {
    this.sock = s;
    const parser = new PacketParser();
    s.on('data', (d) => {
      // Ctrl-C outside a packet
      if (d.includes(0x03) && this.running) {
        this.running = false;
        this.reply('T02thread:01;', 'interrupt');
      }
      for (const f of parser.push(d.filter((b) => b !== 0x03))) {
        if (f.kind === 'nack' && this.lastGood) {
          s.write(this.lastGood);
          this.lastGood = null;
          continue;
        }
        if (f.kind !== 'packet') continue;
        if (this.nackNext > 0) {
          this.nackNext--;
          s.write('-');
          continue;
        }
        s.write('+');
        this.received.push(f.payload);
        this.handle(f.payload);
      }
    });
  }

  private handle(p: string): void {
    const t = this.target;
    if (p.startsWith('qSupported')) return this.reply(`PacketSize=${this.packetSize.toString(16)};swbreak+`, p);
    if (p === '?') return this.reply('S05', p);
    if (p === 'g') return this.reply(t.regs.map((r) => this.word(r)).join(''), p);
    if (p[0] === 'p') return this.reply(this.word(t.regs[parseInt(p.slice(1), 16)] ?? 0), p);
    if (p[0] === 'm') {
      const [a, n] = p.slice(1).split(',').map((x) => parseInt(x, 16)) as [number, number];
      if (n * 2 + 4 > this.packetSize) return this.reply('E01', p);
      this.maxRead = Math.max(this.maxRead, n);
      let hex = '';
      for (let i = 0; i < n; i++) hex += (t.mem.get(a + i) ?? 0).toString(16).padStart(2, '0');
      return this.reply(hex, p);
    }
    if (p[0] === 'Z' || p[0] === 'z') {
      const a = parseInt(p.split(',')[1]!, 16);
      if (p[0] === 'Z') this.breakpoints.add(a);
      else this.breakpoints.delete(a);
      return this.reply('OK', p);
    }
    if (p === 's') {
      t.regs[15] = (t.regs[15]! + 2) >>> 0;
      return this.reply('T05thread:01;', p);
    }
    if (p === 'c') {
      const next = t.runTo.shift();
      if (next === undefined) {
        this.running = true; // runs until interrupted
        return;
      }
      if (next === 'exit') return this.reply('W00', p);
      t.regs[15] = next;
      return this.reply(`T05thread:01;0f:${this.word(next)};`, p);
    }
    if (p === 'D') return this.reply('OK', p);
    return this.reply('', p);
  }
}
