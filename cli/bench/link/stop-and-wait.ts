/**
 * The baseline the link bench compares against: block transfer the way AWS IoT OTA's defaults
 * do it — 4 KiB blocks, one block per request, the next request only once the block arrived.
 * A tiny client on the same wire as the terminal (the portable MqttClient over the same kind of
 * RadioLink, the wire codec, the same store): it connects with a device credential, subscribes,
 * logs in, takes an offer, then asks `chunks.get` for one chunk at a time of a part the store
 * cut into 4 KiB chunks. It neither verifies nor stores what arrives, which only flatters it.
 * A block not back within OTA's 10 s file-request wait is asked for again.
 */
import { makeCredential } from '../../../device/session/credential.js';
import { FairwayError } from '../../../sdk/errors.js';
import type { Timer } from '../../../sdk/hal/clock.js';
import { MqttClient } from '../../../sdk/mqtt/index.js';
import { decodeMessage, downFilter, encodeMessage, parseTopic, topicFor, type DownMessage, type MessageOf } from '../../../sdk/wire/index.js';
import type { BenchDevice } from './sim-world.js';

/** AWS IoT OTA's default wait for a requested block before asking again (otaconfigFILE_REQUEST_WAIT_MS). */
const BLOCK_WAIT_MS = 10_000;

export interface StopAndWaitTimes {
  firstRequestMs: number;
  lastChunkMs: number;
  /** Blocks asked for again after BLOCK_WAIT_MS. */
  reRequests: number;
}

export class StopAndWaitClient {
  private nextRid = 1;
  private readonly replies = new Map<number, (message: DownMessage) => void>();
  private chunkWaiter: { index: number; arrived(): void } | null = null;

  private constructor(
    private readonly client: MqttClient,
    private readonly device: BenchDevice,
  ) {
    client.onMessage((topic, payload) => this.inbound(topic, payload));
  }

  /** Connects, subscribes and logs in, as the terminal does. */
  static async connect(device: BenchDevice): Promise<StopAndWaitClient> {
    const { hal, deviceId } = device;
    const password = await makeCredential(deviceId, hal.signer, hal.crypto, hal.clock);
    const client = await MqttClient.connect(hal.link, hal.clock, { clientId: deviceId, username: deviceId, password, keepAliveSeconds: 30 });
    const self = new StopAndWaitClient(client, device);
    await client.subscribe(downFilter(deviceId), 1);
    const ok = await self.request({ v: 1, t: 'login', rid: self.takeRid(), user: device.userId, password: device.password });
    if (ok.t !== 'login.ok') throw new FairwayError('io', `login answered ${ok.t}`);
    return self;
  }

  /** Takes an offer for `part`: its transfer id. */
  async offer(part: string): Promise<Uint8Array> {
    const offer = await this.request({ v: 1, t: 'offer.get', rid: this.takeRid(), part });
    if (offer.t !== 'offer') throw new FairwayError('io', `offer.get for ${part} answered ${offer.t}`);
    return offer.transfer;
  }

  /** Fetches chunks 0 … chunkCount−1 one at a time, each asked for only once the one before arrived. */
  async fetchAll(transfer: Uint8Array, chunkCount: number): Promise<StopAndWaitTimes> {
    const clock = this.device.hal.clock;
    const firstRequestMs = clock.monotonicMs();
    let reRequests = 0;
    for (let index = 0; index < chunkCount; index++) {
      for (;;) {
        const arrived = await this.fetchOne(transfer, index);
        if (arrived) break;
        reRequests++;
      }
    }
    return { firstRequestMs, lastChunkMs: clock.monotonicMs(), reRequests };
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** True when chunk `index` arrived within BLOCK_WAIT_MS. */
  private fetchOne(transfer: Uint8Array, index: number): Promise<boolean> {
    const clock = this.device.hal.clock;
    return new Promise((resolve, reject) => {
      let timer: Timer | null = null;
      this.chunkWaiter = {
        index,
        arrived: () => {
          timer?.cancel();
          this.chunkWaiter = null;
          resolve(true);
        },
      };
      timer = clock.setTimer(BLOCK_WAIT_MS, () => {
        this.chunkWaiter = null;
        resolve(false);
      });
      const body = encodeMessage({ v: 1, t: 'chunks.get', rid: this.takeRid(), transfer, ranges: [[index, 1]] });
      this.client.publish(topicFor(this.device.deviceId, 'chunks.get'), body, 1).catch((error: unknown) => {
        timer?.cancel();
        reject(error);
      });
    });
  }

  private async request(message: Parameters<typeof encodeMessage>[0] & { rid: number }): Promise<DownMessage> {
    const reply = new Promise<DownMessage>((resolve) => this.replies.set(message.rid, resolve));
    await this.client.publish(topicFor(this.device.deviceId, message.t), encodeMessage(message), 1);
    return reply;
  }

  private takeRid(): number {
    return this.nextRid++;
  }

  private inbound(topic: string, payload: Uint8Array): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.dir !== 'down') return;
    const message = decodeMessage(payload, { direction: 'down', expect: parsed.type }) as DownMessage;
    if (message.t === 'chunk') {
      const chunk = message as MessageOf<'chunk'>;
      if (this.chunkWaiter && chunk.i === this.chunkWaiter.index) this.chunkWaiter.arrived();
      return;
    }
    const rid = 'rid' in message ? message.rid : undefined;
    const answer = rid === undefined ? undefined : this.replies.get(rid);
    if (!answer || rid === undefined) return;
    this.replies.delete(rid);
    answer(message);
  }
}
