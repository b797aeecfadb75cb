// A small client for the GDB remote serial protocol over TCP: enough to drive a debug stub
// (QEMU's -gdb, OpenOCD, a J-Link GDB server) as a recorder needs it — halt reason, registers,
// memory reads in stub-sized chunks, breakpoints, continue/step and their stop replies,
// Ctrl-C. No gdb binary is involved. Commands are sent one at a time (the protocol has one
// outstanding request); a packet the stub NACKs is sent again, a reply with a bad checksum
// is NACKed so the stub sends it again.

import { Socket, connect as netConnect } from 'node:net';
import { ACK, INTERRUPT, NACK, PacketParser, encodePacket, fromHex, type Frame } from './packet.js';

export class GdbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GdbError';
  }
}

/** A parsed stop reply (`S`/`T`: stopped by a signal; `W`/`X`: the target exited). */
export interface StopReply {
  kind: 'signal' | 'exited';
  /** Signal number (5 = SIGTRAP: breakpoint or step; 2 = SIGINT: interrupted) or exit code. */
  code: number;
  /** `T` replies' key:value pairs (register numbers in hex, `thread`, `swbreak`, …). */
  info: Map<string, string>;
  raw: string;
}

export function parseStopReply(p: string): StopReply {
  const kind = p[0];
  if (kind === 'S' || kind === 'T') {
    const code = parseInt(p.slice(1, 3), 16);
    const info = new Map<string, string>();
    if (kind === 'T') {
      for (const part of p.slice(3).split(';')) {
        if (!part) continue;
        const c = part.indexOf(':');
        if (c > 0) info.set(part.slice(0, c), part.slice(c + 1));
      }
    }
    return { kind: 'signal', code, info, raw: p };
  }
  if (kind === 'W' || kind === 'X') return { kind: 'exited', code: parseInt(p.slice(1, 3), 16), info: new Map(), raw: p };
  throw new GdbError(`not a stop reply: '${p.slice(0, 60)}'`);
}

export interface GdbConnectOptions {
  /** Keep retrying a refused connection this long, ms (a stub may not listen yet). Default 3000. */
  retryMs?: number;
  /** Wait this long for any reply, ms (0: forever). Default 10000. */
  timeoutMs?: number;
  /** Times a NACKed packet is sent again before giving up. Default 5. */
  retransmits?: number;
}

/** Anything with a socket's interface: a real TCP socket, or a stream pair in tests. */
export interface Duplex {
  write(data: Uint8Array): boolean;
  on(ev: 'data', cb: (b: Buffer) => void): unknown;
  on(ev: 'close', cb: () => void): unknown;
  on(ev: 'error', cb: (e: Error) => void): unknown;
  destroy(): void;
}

interface Waiter {
  resolve(p: string): void;
  reject(e: Error): void;
}

export class GdbClient {
  /** Largest packet the stub accepts (qSupported PacketSize), bytes; memory reads are chunked to fit. */
  packetSize = 400;
  /** Features the stub listed in qSupported (name → value, '+', '-' or '?'). */
  readonly features = new Map<string, string>();
  /** Statistics: packets sent, retransmitted, bad checksums received. */
  readonly stats = { sent: 0, retransmits: 0, badChecksums: 0 };

  private readonly parser = new PacketParser();
  private waiter: Waiter | null = null;
  private pendingAck: { packet: Buffer; tries: number; resolve(): void; reject(e: Error): void } | null = null;
  private queue: string[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closeError: Error | null = null;
  private readonly timeoutMs: number;
  private readonly retransmits: number;
  private noAck = false;
  /** The stub answered `p` with an empty reply (unsupported): read registers with `g`. */
  private noP = false;

  constructor(
    private readonly io: Duplex,
    opts: GdbConnectOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retransmits = opts.retransmits ?? 5;
    io.on('data', (b) => this.onData(b));
    io.on('close', () => this.fail(new GdbError('the GDB stub closed the connection')));
    io.on('error', (e) => this.fail(new GdbError(`GDB connection: ${e.message}`)));
  }

  /** Connects to HOST:PORT, retrying while the stub is not listening yet, and asks qSupported. */
  static async connect(host: string, port: number, opts: GdbConnectOptions = {}): Promise<GdbClient> {
    const deadline = Date.now() + (opts.retryMs ?? 3000);
    for (;;) {
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = netConnect({ host, port });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        sock.setNoDelay(true);
        const c = new GdbClient(sock, opts);
        await c.handshake();
        return c;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code === 'ECONNREFUSED' || code === 'ECONNRESET') && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (e instanceof GdbError) throw e;
        throw new GdbError(`cannot connect to the GDB stub at ${host}:${port}: ${(e as Error).message}`);
      }
    }
  }

  /** qSupported: learn PacketSize (hex) so memory reads fit the stub's buffer. */
  async handshake(): Promise<void> {
    const reply = await this.command('qSupported:swbreak+;hwbreak+');
    for (const f of reply.split(';')) {
      if (!f) continue;
      const eq = f.indexOf('=');
      if (eq > 0) this.features.set(f.slice(0, eq), f.slice(eq + 1));
      else this.features.set(f.slice(0, -1), f.slice(-1));
    }
    const ps = this.features.get('PacketSize');
    if (ps && /^[0-9a-fA-F]+$/.test(ps)) this.packetSize = parseInt(ps, 16);
  }

  /** Turns acknowledgements off (QStartNoAckMode) when the stub supports it: fewer bytes per round trip. */
  async startNoAck(): Promise<boolean> {
    if (this.features.get('QStartNoAckMode') !== '+') return false;
    const r = await this.command('QStartNoAckMode');
    if (r === 'OK') this.noAck = true;
    return this.noAck;
  }

  // ------------------------------------------------------------------ transport

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = e;
    this.waiter?.reject(e);
    this.waiter = null;
    this.pendingAck?.reject(e);
    this.pendingAck = null;
  }

  private onData(b: Buffer): void {
    for (const f of this.parser.push(b)) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    switch (f.kind) {
      case 'ack':
        if (this.pendingAck) {
          const p = this.pendingAck;
          this.pendingAck = null;
          p.resolve();
        }
        break;
      case 'nack':
        if (this.pendingAck) {
          const p = this.pendingAck;
          if (++p.tries > this.retransmits) {
            this.pendingAck = null;
            p.reject(new GdbError(`the GDB stub rejected a packet ${p.tries} times (bad line?)`));
          } else {
            this.stats.retransmits++;
            this.io.write(p.packet);
          }
        }
        break;
      case 'bad':
        this.stats.badChecksums++;
        if (!this.noAck) this.io.write(Uint8Array.of(NACK));
        break;
      case 'notification':
        break;
      case 'packet':
        if (!this.noAck) this.io.write(Uint8Array.of(ACK));
        // A reply arriving before the ack of our packet also acknowledges it (gdb does the same).
        if (this.pendingAck) {
          const p = this.pendingAck;
          this.pendingAck = null;
          p.resolve();
        }
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = null;
          w.resolve(f.payload);
        } else {
          this.queue.push(f.payload);
        }
        break;
    }
  }

  private sendPacket(payload: string): Promise<void> {
    if (this.closed) return Promise.reject(this.closeError ?? new GdbError('the GDB connection is closed'));
    const packet = encodePacket(payload);
    this.stats.sent++;
    this.io.write(packet);
    if (this.noAck) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pendingAck = { packet, tries: 0, resolve, reject };
    });
  }

  /** The next packet from the stub (a reply or a stop reply); timeoutMs 0 waits forever. */
  private nextPacket(timeoutMs = this.timeoutMs, what = 'a reply'): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(this.closeError ?? new GdbError('the GDB connection is closed'));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.waiter = null;
          reject(new GdbError(`no ${what} from the GDB stub within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiter = {
        resolve: (p) => {
          if (timer) clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          if (timer) clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** Runs f after every earlier command finished: one request in flight at a time. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f, f);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Sends a packet and returns the stub's reply payload. An `Exx` reply is returned as is. */
  command(payload: string): Promise<string> {
    return this.serial(async () => {
      await this.sendPacket(payload);
      return this.nextPacket(this.timeoutMs, `reply to '${payload.slice(0, 20)}'`);
    });
  }

  private async ok(payload: string, what: string): Promise<void> {
    const r = await this.command(payload);
    if (r !== 'OK') throw new GdbError(`${what}: the stub replied '${r || '(empty: not supported)'}'`);
  }

  // ------------------------------------------------------------------ commands

  /** `?`: why the target is stopped. */
  async haltReason(): Promise<StopReply> {
    return parseStopReply(await this.command('?'));
  }

  /** `g`: all general registers as 32-bit little-endian words (ARM: r0-r12, sp, lr, pc, ...). */
  async readRegisters(): Promise<number[]> {
    const r = await this.command('g');
    if (r.startsWith('E') && r.length === 3) throw new GdbError(`reading registers failed: ${r}`);
    const bytes = fromHex(r.replace(/x/g, '0'));
    const words: number[] = [];
    for (let i = 0; i + 4 <= bytes.length; i += 4) words.push((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0);
    return words;
  }

  /** `p N`: one register, 32-bit little-endian. */
  async readRegister(n: number): Promise<number> {
    const r = this.noP ? '' : await this.command(`p${n.toString(16)}`);
    // An empty reply: `p` is not supported (QEMU's stub for some targets); `g` always is.
    if (r === '') {
      this.noP = true;
      const all = await this.readRegisters();
      if (n >= all.length) throw new GdbError(`register ${n} is not among the ${all.length} the stub reports`);
      return all[n]!;
    }
    if (r.startsWith('E') && r.length === 3) throw new GdbError(`reading register ${n} failed: ${r}`);
    const b = fromHex(r.slice(0, 8));
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** `m ADDR,LEN`, in chunks that fit the stub's packet size (hex doubles every byte). */
  async readMemory(addr: number, len: number): Promise<Uint8Array> {
    const out = new Uint8Array(len);
    const chunk = Math.max(16, Math.floor((this.packetSize - 8) / 2));
    for (let off = 0; off < len; ) {
      const n = Math.min(chunk, len - off);
      const r = await this.command(`m${(addr + off).toString(16)},${n.toString(16)}`);
      if (r.length === 0 || (r[0] === 'E' && r.length === 3)) {
        throw new GdbError(`reading ${n} bytes at 0x${(addr + off).toString(16)} failed: ${r || 'empty reply'}`);
      }
      const bytes = fromHex(r);
      if (bytes.length === 0) throw new GdbError(`reading at 0x${(addr + off).toString(16)} returned no bytes`);
      out.set(bytes.subarray(0, n), off);
      off += Math.min(bytes.length, n); // a stub may return fewer bytes than asked
    }
    return out;
  }

  async readWord(addr: number): Promise<number> {
    const b = await this.readMemory(addr, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** `Z0`/`Z1` (software / hardware breakpoint) at addr; kind 2 = a 16-bit Thumb instruction. */
  insertBreakpoint(addr: number, type: 0 | 1 = 0, kind = 2): Promise<void> {
    return this.ok(`Z${type},${addr.toString(16)},${kind}`, `breakpoint at 0x${addr.toString(16)}`);
  }

  removeBreakpoint(addr: number, type: 0 | 1 = 0, kind = 2): Promise<void> {
    return this.ok(`z${type},${addr.toString(16)},${kind}`, `removing the breakpoint at 0x${addr.toString(16)}`);
  }

  /** `c`: resume and wait for the next stop (timeoutMs 0: forever; Ctrl-C with interrupt()). */
  resume(timeoutMs = 0): Promise<StopReply> {
    return this.serial(async () => {
      await this.sendPacket('c');
      return parseStopReply(await this.nextPacket(timeoutMs, 'stop reply'));
    });
  }

  /** `s`: one instruction, then the stop reply. */
  step(): Promise<StopReply> {
    return this.serial(async () => {
      await this.sendPacket('s');
      return parseStopReply(await this.nextPacket(this.timeoutMs, 'stop reply after a step'));
    });
  }

  /** Ctrl-C: asks a running target to stop; the pending resume() then resolves (signal 2). */
  interrupt(): void {
    if (!this.closed) this.io.write(Uint8Array.of(INTERRUPT));
  }

  /** `D`: detach (the target runs on), then close the connection. */
  async detach(): Promise<void> {
    try {
      if (!this.closed) await this.command('D');
    } catch {
      /* closing anyway */
    }
    this.close();
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      this.closeError = new GdbError('the GDB connection is closed');
    }
    this.io.destroy();
  }
}
