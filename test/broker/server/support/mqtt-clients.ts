/**
 * mqtt.js clients speaking MQTT 3.1.1 as a terminal would [FW-2.3]: client id = user name =
 * device id, password = credential, clean session, no automatic reconnect (a test wants to
 * see every refusal, not a retry loop).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { TestDevice } from './devices.js';

export async function deviceOptions(device: TestDevice, extra: IClientOptions = {}): Promise<IClientOptions> {
  return {
    protocolVersion: 4,
    clientId: device.id,
    username: device.id,
    password: Buffer.from(await device.credential()),
    clean: true,
    keepalive: 30,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  };
}

/**
 * Connects and resolves with the CONNACK return code: 0 (the client is then closed) or the
 * refusal code. Rejects if the broker hangs up without a CONNACK.
 */
export function connackCode(url: string, options: IClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => {
      client.end(true);
      resolve(0);
    });
    client.once('error', (error: Error & { code?: unknown }) => {
      client.end(true);
      if (typeof error.code === 'number') resolve(error.code);
      else reject(error);
    });
    client.once('close', () => reject(new Error('connection closed without CONNACK')));
  });
}

/** A connected client; rejects with the CONNACK error if refused. */
export function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

export async function connectDevice(url: string, device: TestDevice, extra: IClientOptions = {}): Promise<MqttClient> {
  return connectClient(url, await deviceOptions(device, extra));
}

/** Resolves when the client's connection has closed. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected && client.disconnected) return resolve();
    client.once('close', () => resolve());
  });
}

/** Collects every message the client receives. */
export function inbox(client: MqttClient): Array<{ topic: string; payload: Buffer }> {
  const received: Array<{ topic: string; payload: Buffer }> = [];
  client.on('message', (topic, payload) => received.push({ topic, payload }));
  return received;
}

export async function endAll(...clients: Array<MqttClient | undefined>): Promise<void> {
  await Promise.all(clients.map((c) => c?.endAsync(true)));
}
