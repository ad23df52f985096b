import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SocketConnection, TcpLink } from '../../device/ports/node/index.js';
import { describeLinkConformance, type LinkPeer } from '../../sdk/testing/index.js';

/** A TCP server on 127.0.0.1 standing in for the broker; each accepted socket is a far end. */
class LoopbackServer {
  private readonly unaccepted: SocketConnection[] = [];
  private readonly acceptors: ((peer: SocketConnection) => void)[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      const peer = new SocketConnection(socket);
      const acceptor = this.acceptors.shift();
      if (acceptor) acceptor(peer);
      else this.unaccepted.push(peer);
    });
  }

  static async listen(): Promise<LoopbackServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LoopbackServer(server);
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server is not listening on TCP');
    return address.port;
  }

  accept(): Promise<LinkPeer> {
    const peer = this.unaccepted.shift();
    if (peer) return Promise.resolve(peer);
    return new Promise((resolve) => this.acceptors.push(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = await LoopbackServer.listen();
  const { port } = server;
  await server.close();
  return port;
}

describeLinkConformance(async () => {
  const server = await LoopbackServer.listen();
  return {
    link: new TcpLink('127.0.0.1', server.port),
    accept: () => server.accept(),
    unreachable: new TcpLink('127.0.0.1', await closedPort()),
    cleanup: () => server.close(),
  };
});

describe('TcpLink', () => {
  it('stops reading from the socket while nobody calls read()', async () => {
    const server = await LoopbackServer.listen();
    try {
      const terminal = await new TcpLink('127.0.0.1', server.port).connect();
      const peer = await server.accept();
      const chunk = new Uint8Array(64 * 1024);
      // One read gets the flow going; after it nobody reads, so the kernel buffers fill and the
      // peer's writes stall.
      await peer.write(chunk);
      expect((await terminal.read())?.length).toBeGreaterThan(0);
      let written = 0;
      const writing = (async () => {
        for (;;) {
          await peer.write(chunk);
          written += chunk.length;
        }
      })().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const stalledAt = written;
      expect(stalledAt).toBeLessThan(64 * 1024 * 1024);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(written).toBe(stalledAt);
      await terminal.close();
      await peer.reset();
      await writing;
    } finally {
      await server.close();
    }
  });
});
