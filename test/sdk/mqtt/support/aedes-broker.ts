/**
 * A bare aedes broker on an ephemeral 127.0.0.1 port, with hooks the test may replace, and
 * mqtt.js as the second client: the real counterparts our portable client must interoperate with.
 */
import { Aedes, type AedesOptions } from 'aedes';
import mqtt, { type MqttClient as MqttJsClient } from 'mqtt';
import { createServer, type Server, type Socket } from 'node:net';

export interface AedesBroker {
  aedes: Aedes;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startAedes(options: AedesOptions = {}): Promise<AedesBroker> {
  const aedes = await Aedes.createBroker(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return {
    aedes,
    port: address.port,
    url: `mqtt://127.0.0.1:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An mqtt.js client as the store side would be: MQTT 3.1.1, clean session, no reconnect. */
export function connectMqttJs(url: string, clientId: string): Promise<MqttJsClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, clientId, clean: true, reconnectPeriod: 0, connectTimeout: 5_000 });
}
