/**
 * ScriptedBroker: the far end of a ScriptedLink connection played by the test. It parses what
 * the client sends with the reference codec and sends back whatever packets (or raw bytes) the
 * test scripts, so each client behaviour can be driven exactly, including protocol violations.
 */
import { expect } from 'vitest';
import type { ScriptedConnection, ScriptedLink } from '../../../../sdk/testing/mocks/index.js';
import { generate, StreamParser, type Packet } from './reference-packets.js';

export class ScriptedBroker {
  private readonly received: Packet[] = [];
  private readonly waiters: Array<(packet: Packet) => void> = [];
  private readonly parser = new StreamParser();
  /** Resolves once the client's side of the stream has ended (null read) or failed. */
  readonly ended: Promise<'ended' | 'reset'>;

  private constructor(readonly connection: ScriptedConnection) {
    this.ended = this.pump();
  }

  static async accept(link: ScriptedLink): Promise<ScriptedBroker> {
    return new ScriptedBroker(await link.accept());
  }

  /** Packets received and not yet taken. */
  get unread(): readonly Packet[] {
    return this.received;
  }

  /** The next packet the client sends. */
  next(): Promise<Packet> {
    const packet = this.received.shift();
    if (packet) return Promise.resolve(packet);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next packet, which must be a `cmd`. */
  async expect<C extends Packet['cmd']>(cmd: C): Promise<Extract<Packet, { cmd: C }>> {
    const packet = await this.next();
    expect(packet.cmd).toBe(cmd);
    return packet as Extract<Packet, { cmd: C }>;
  }

  send(...packets: Packet[]): Promise<void> {
    return this.sendBytes(...packets.map(generate));
  }

  async sendBytes(...chunks: Uint8Array[]): Promise<void> {
    for (const bytes of chunks) await this.connection.write(bytes);
  }

  /** Receives CONNECT and accepts it. */
  async acceptConnect(): Promise<Extract<Packet, { cmd: 'connect' }>> {
    const connect = await this.expect('connect');
    await this.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    return connect;
  }

  private async pump(): Promise<'ended' | 'reset'> {
    try {
      for (let bytes = await this.connection.read(); bytes; bytes = await this.connection.read()) {
        this.parser.push(bytes);
        for (const packet of this.parser.take()) {
          const waiter = this.waiters.shift();
          if (waiter) waiter(packet);
          else this.received.push(packet);
        }
      }
      return 'ended';
    } catch {
      return 'reset';
    }
  }
}

/** Lets every promise chain that can run, run (the client's loop hops through several). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
