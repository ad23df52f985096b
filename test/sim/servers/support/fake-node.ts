/**
 * A stand-in for a Fairway node behind HAProxy: a TCP server that greets each connection with
 * its name and then echoes (so a test knows which node it reached and that bytes flow), and
 * a metrics HTTP server whose GET /readyz answers whatever status the test sets.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

export interface FakeNode {
  name: string;
  port: number;
  metricsPort: number;
  /** Status /readyz answers; 200 = ready. */
  readyStatus: number;
  /** Connections accepted on the MQTT-side port. */
  accepted: number;
  close(): Promise<void>;
}

const listen = (server: Server | HttpServer): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

export async function startFakeNode(name: string, readyStatus = 200): Promise<FakeNode> {
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    node.accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  const http = createHttpServer((req, res) => {
    res.statusCode = req.url === '/readyz' ? node.readyStatus : 404;
    res.end();
  });
  const node: FakeNode = {
    name,
    port: await listen(tcp),
    metricsPort: await listen(http),
    readyStatus,
    accepted: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      http.closeAllConnections();
      await Promise.all([new Promise((r) => tcp.close(r)), new Promise((r) => http.close(r))]);
    },
  };
  return node;
}
