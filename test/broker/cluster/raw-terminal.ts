/**
 * A bare terminal that keeps the reply BYTES, for cluster tests: a resend that hops to
 * another node must hear the first answer byte for byte, which a decoded message cannot show.
 * It connects with a credential it is given (so a test can replay one on another node).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Signer } from '../../../sdk/hal/crypto.js';
import { credentialArtefact } from '../../../sdk/receipt/index.js';
import { decodeMessage, downFilter, encodeMessage, parseTopic, topicFor, type DownMessage, type UpMessage } from '../../../sdk/wire/index.js';
import { crypto } from '../../support/keys.js';

type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'v' | 'rid'> : never;

export interface RawReply {
  bytes: Uint8Array;
  message: DownMessage;
}

export function credentialFor(deviceId: string, signer: Signer, timeMs = Date.now()): Promise<Uint8Array> {
  return credentialArtefact.sign({ v: 1, device: deviceId, time: timeMs, nonce: crypto.randomBytes(16) }, signer, new TextEncoder().encode(deviceId));
}

/** Connects and resolves, or rejects with the CONNACK return code as `code`. */
export async function connectRaw(port: number, deviceId: string, credential: Uint8Array): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: deviceId,
    username: deviceId,
    password: Buffer.from(credential),
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  await client.subscribeAsync(downFilter(deviceId), { qos: 1 });
  return client;
}

export class RawTerminal {
  private readonly waiting = new Map<number, (reply: RawReply) => void>();

  private constructor(
    readonly deviceId: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (topic, payload) => {
      const parsed = parseTopic(topic);
      if (!parsed || parsed.deviceId !== deviceId) return;
      const bytes = new Uint8Array(payload);
      const message = decodeMessage(bytes, { direction: 'down', expect: parsed.type }) as DownMessage;
      const rid = (message as { rid?: number }).rid;
      if (rid === undefined) return;
      this.waiting.get(rid)?.({ bytes, message });
      this.waiting.delete(rid);
    });
  }

  static async connect(port: number, deviceId: string, signer: Signer): Promise<RawTerminal> {
    return new RawTerminal(deviceId, await connectRaw(port, deviceId, await credentialFor(deviceId, signer)));
  }

  /** Encodes a request (once: keep the bytes to resend them) under `rid`. */
  static encode(rid: number, body: WithoutEnvelope<UpMessage>): { type: UpMessage['t']; rid: number; bytes: Uint8Array } {
    return { type: body.t, rid, bytes: encodeMessage({ v: 1, rid, ...body } as never) };
  }

  /** Publishes exactly these bytes and waits for the reply to `rid`. */
  async send(request: { type: UpMessage['t']; rid: number; bytes: Uint8Array }, timeoutMs = 10_000): Promise<RawReply> {
    const reply = new Promise<RawReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.deviceId}: no reply to ${request.type} rid ${request.rid}`)), timeoutMs);
      this.waiting.set(request.rid, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    await this.client.publishAsync(topicFor(this.deviceId, request.type), Buffer.from(request.bytes), { qos: 1 });
    return reply;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
