/**
 * A bare terminal for store tests: a real mqtt.js client over TCP that signs its CONNECT
 * credential, subscribes to its own down tree, and pairs replies with requests by rid. It
 * is the protocol as a porter would drive it by hand — not the terminal runtime.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { credentialArtefact } from '../../sdk/receipt/index.js';
import type { Signer } from '../../sdk/hal/crypto.js';
import { decodeMessage, downFilter, encodeMessage, parseTopic, topicFor, type DownMessage, type MessageOf, type UpMessage } from '../../sdk/wire/index.js';
import { crypto } from './keys.js';

type Chunk = MessageOf<'chunk'>;
type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'v' | 'rid'> : never;

export class TestTerminal {
  private nextRid = 1;
  private readonly waiting = new Map<number, (m: DownMessage) => void>();
  readonly chunks: Chunk[] = [];
  readonly unpaired: DownMessage[] = [];

  private constructor(
    readonly deviceId: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (topic, payload) => {
      const parsed = parseTopic(topic);
      if (!parsed || parsed.deviceId !== deviceId) throw new Error(`received a foreign topic ${topic}`);
      const message = decodeMessage(new Uint8Array(payload), { direction: 'down', expect: parsed.type });
      if (message.t === 'chunk') {
        this.chunks.push(message);
        return;
      }
      const rid = (message as { rid?: number }).rid;
      const resolve = rid === undefined ? undefined : this.waiting.get(rid);
      if (resolve && rid !== undefined) {
        this.waiting.delete(rid);
        resolve(message as DownMessage);
      } else this.unpaired.push(message as DownMessage);
    });
  }

  static async connect(port: number, deviceId: string, signer: Signer): Promise<TestTerminal> {
    const credential = await credentialArtefact.sign({ v: 1, device: deviceId, time: Date.now(), nonce: crypto.randomBytes(16) }, signer, new TextEncoder().encode(deviceId));
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
    return new TestTerminal(deviceId, client);
  }

  /** Publishes raw bytes on one of this terminal's up topics. */
  async publishRaw(type: UpMessage['t'], bytes: Uint8Array): Promise<void> {
    await this.client.publishAsync(topicFor(this.deviceId, type), Buffer.from(bytes), { qos: 1 });
  }

  /** Sends a request with a fresh rid (or the one given) and waits for its reply. */
  async request(body: WithoutEnvelope<UpMessage>, rid = this.nextRid++, timeoutMs = 10_000): Promise<DownMessage> {
    const message = { v: 1, rid, ...body } as UpMessage;
    return this.requestRaw(message.t, rid, encodeMessage(message as never), timeoutMs);
  }

  /** Sends bytes encoded elsewhere (e.g. a real terminal's receipt, byte for byte) and waits for the reply to their rid. */
  async requestRaw(type: UpMessage['t'], rid: number, bytes: Uint8Array, timeoutMs = 10_000): Promise<DownMessage> {
    const reply = new Promise<DownMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${type} rid ${rid}`)), timeoutMs);
      this.waiting.set(rid, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    await this.publishRaw(type, bytes);
    return reply;
  }

  /** Waits until `count` chunks of this rid have arrived. */
  async chunksFor(rid: number, count: number, timeoutMs = 10_000): Promise<Chunk[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.chunks.filter((c) => c.r === rid).length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.chunks.filter((c) => c.r === rid).length} of ${count} chunks for rid ${rid}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.chunks.filter((c) => c.r === rid);
  }

  takeRid(): number {
    return this.nextRid++;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
