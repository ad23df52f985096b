/**
 * The Mosquitto yardstick [issue 12 §8]: the raw pub/sub side again — the same subscriber
 * clients, one per topic, and the same publisher process and load — with Debian's Mosquitto
 * as the broker instead of a bare aedes. A C broker is the bar the issue sets for the store's
 * chunk path (it routed the same bytes 1.7–2× faster than aedes here); its CPU is read from
 * /proc. Without Mosquitto installed the yardstick is left out, and the log says how to get it.
 */
import type { SystemClock } from '../../../device/ports/node/index.js';
import { HarnessError } from '../../../sim/servers/harness-error.js';
import { startMosquitto, type MosquittoServer } from '../../../sim/servers/mosquitto.js';
import { runLimited } from './limited.js';
import { pubSubSide, type StreamingSide } from './loopback-ratio.js';
import { PublisherHost } from './publisher-process.js';
import { RawSubscriber } from './raw-subscriber.js';

export interface MosquittoYardstick {
  side: StreamingSide;
  close(): Promise<void>;
}

export interface MosquittoLoad {
  topics: string[];
  payloadBytes: number;
  inFlight: number;
  publisherClients: number;
  connectConcurrency: number;
}

export async function startMosquittoYardstick(load: MosquittoLoad, clock: SystemClock, log: (line: string) => void): Promise<MosquittoYardstick | undefined> {
  let server: MosquittoServer;
  try {
    server = await startMosquitto();
  } catch (error) {
    if (!(error instanceof HarnessError && error.code === 'binary-missing')) throw error;
    log(`Mosquitto yardstick not measured: ${error.message}`);
    return undefined;
  }
  const subscribers: RawSubscriber[] = [];
  let publishers: PublisherHost | undefined;
  const close = async (): Promise<void> => {
    await publishers?.close();
    await Promise.all(subscribers.splice(0).map((s) => s.close()));
    await server.stop();
  };
  try {
    await runLimited(load.topics, load.connectConcurrency, Number.POSITIVE_INFINITY, async (topic, i) => {
      subscribers.push(await RawSubscriber.connect(server.port, clock, `mosquitto-${i}`, topic));
    });
    publishers = await PublisherHost.start(server.port, load.publisherClients);
    const host = { usage: async () => ({ connected: subscribers.length, cpuMs: server.cpuMs() }) };
    const side = pubSubSide({ host, subscribers, topics: load.topics, payloadBytes: load.payloadBytes, inFlight: load.inFlight }, publishers);
    return { side, close };
  } catch (error) {
    await close();
    throw error;
  }
}
