/**
 * The ports terminals connect to: MQTT over TCP or TLS on one port, MQTT over WebSocket on
 * another. Each accepted connection is handed over as a plain Duplex; what to put in front
 * of aedes is the caller's business. A listener remembers its open connections so that
 * close() does not wait for terminals that never hang up.
 */
import type { IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';

export type TransportName = 'tcp' | 'tls' | 'ws' | 'memory';

export interface AcceptedConnection {
  stream: Duplex;
  transport: TransportName;
  /** `address:port` of the peer, for the log. */
  peer: string;
  /** The HTTP upgrade request, for WebSocket connections. */
  request?: IncomingMessage;
}

export interface Listener {
  readonly port: number;
  /** Refuses new connections from now on; open ones stay (a draining node's terminals). */
  stopAccepting(): void;
  close(): Promise<void>;
}

export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** MQTT over plain TCP, or over TLS when `tls` is given [FW-1.5]. */
export async function listenMqttSocket(
  options: { host: string; port: number; tls?: TlsFiles | undefined },
  onConnection: (connection: AcceptedConnection) => void,
): Promise<Listener> {
  const transport: TransportName = options.tls ? 'tls' : 'tcp';
  const accept = (socket: Socket): void => {
    // MQTT packets are small and latency-bound; Nagle only delays PUBACKs and chunks.
    socket.setNoDelay(true);
    onConnection({ stream: socket, transport, peer: peerOf(socket) });
  };
  // TLS: the connection is handed over only after a completed handshake ('secureConnection').
  const server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, accept)
    : createTcpServer(accept);
  // Tracked at the TCP level, so close() also ends connections still in their TLS handshake.
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  const port = await listen(server, options.host, options.port);
  let accepting = true;
  return {
    port,
    stopAccepting: () => {
      // net.Server.close stops listening at once and leaves open sockets alone.
      if (accepting) server.close();
      accepting = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/** MQTT over WebSocket (subprotocol `mqtt`), one binary message per write. */
export async function listenMqttWebSocket(
  options: { host: string; port: number; maxMessageBytes: number },
  onConnection: (connection: AcceptedConnection) => void,
  onError: (error: Error) => void,
): Promise<Listener> {
  const wss = new WebSocketServer({
    host: options.host,
    port: options.port,
    // ws buffers whole messages: its own cap stops an oversized message before it is held.
    maxPayload: options.maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('error', onError);
  wss.on('connection', (ws, request) => {
    const stream = createWebSocketStream(ws);
    onConnection({ stream, transport: 'ws', peer: peerOf(request.socket), request });
  });
  const port = await new Promise<number>((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => {
      wss.off('error', reject);
      resolve((wss.address() as AddressInfo).port);
    });
  });
  return {
    port,
    // ws 8: close() stops the upgrade server and leaves open WebSockets alone.
    stopAccepting: () => wss.close(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
