/**
 * Faults a real broker will not produce on request, played by a raw TCP server on 127.0.0.1:
 * a broker that accepts and then goes silent, one that resets the connection, one that hangs up.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketConnection, SystemClock, TcpLink } from '../../../device/ports/node/index.js';
import type { FairwayError } from '../../../sdk/errors.js';
import { MqttClient } from '../../../sdk/mqtt/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { generate, StreamParser, type Packet } from './support/reference-packets.js';
import { baseOptions } from './support/scripted-session.js';

/** A TCP server that answers CONNECT with CONNACK 0 and then does only what the test says. */
class FakeBroker {
  readonly received: Packet[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly connections: SocketConnection[] = [];

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      const connection = new SocketConnection(socket);
      this.connections.push(connection);
      void this.serve(connection);
    });
  }

  static async listen(): Promise<FakeBroker> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeBroker(server);
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
    return address.port;
  }

  get connection(): SocketConnection {
    const connection = this.connections[0];
    if (!connection) throw new Error('no connection yet');
    return connection;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Reads everything, answers the CONNECT, and never answers anything else (pings included). */
  private async serve(connection: SocketConnection): Promise<void> {
    const parser = new StreamParser();
    try {
      for (let bytes = await connection.read(); bytes; bytes = await connection.read()) {
        parser.push(bytes);
        for (const packet of parser.take()) {
          this.received.push(packet);
          if (packet.cmd === 'connect') await connection.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
        }
      }
    } catch {
      // The tests reset connections on purpose.
    }
  }
}

let fake: FakeBroker | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function connectToFake(keepAliveSeconds = 30): Promise<{ client: MqttClient; closed: Promise<FairwayError | null> }> {
  fake = await FakeBroker.listen();
  const client = await MqttClient.connect(new TcpLink('127.0.0.1', fake.port), new SystemClock(), { ...baseOptions, keepAliveSeconds });
  const closed = new Promise<FairwayError | null>((resolve) => client.onClose(resolve));
  return { client, closed };
}

describe('faults over TCP', () => {
  it('closes with timeout when the broker stops answering pings (keep alive 1 s → ping at 1 s, give up at 2.5 s)', async () => {
    const started = performance.now();
    const { client, closed } = await connectToFake(1);
    const reason = await closed;
    const elapsedMs = performance.now() - started;
    expect(reason?.kind).toBe('timeout');
    expect(elapsedMs).toBeGreaterThanOrEqual(2_400);
    expect(elapsedMs).toBeLessThan(4_000);
    // Pings at 1 s and 2 s (the second while the first is still unanswered), then the deadline.
    const [first, ...rest] = fake?.received.map((packet) => packet.cmd) ?? [];
    expect(first).toBe('connect');
    expect(rest.length).toBeGreaterThanOrEqual(1);
    expect(new Set(rest)).toEqual(new Set(['pingreq']));
    expect(client.isOpen).toBe(false);
  });

  it('reports link-reset when the broker resets the connection, and rejects pending publishes with closed', async () => {
    const { client, closed } = await connectToFake();
    const publishing = client.publish('fairway/1/hh-0001/up/receipt', Uint8Array.of(1), 1);
    publishing.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fake?.connection.reset();
    expect((await closed)?.kind).toBe('link-reset');
    await expectKind(() => publishing, 'closed');
  });

  it('reports closed when the broker hangs up cleanly, and rejects pending publishes with closed', async () => {
    const { client, closed } = await connectToFake();
    const publishing = client.publish('fairway/1/hh-0001/up/receipt', Uint8Array.of(1), 1);
    publishing.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fake?.connection.close();
    expect((await closed)?.kind).toBe('closed');
    await expectKind(() => publishing, 'closed');
  });
});
