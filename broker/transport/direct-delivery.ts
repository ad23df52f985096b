/**
 * QoS 0 down messages — chunks, nearly all the bytes a store sends — written straight to the
 * terminal's own connection, framed once, instead of through aedes' routing [issue 12 §7, §8].
 *
 * Why: aedes routes every publish through its emitter — a packet object, a topic match
 * against every subscription, a deferred delivery per subscriber, and a PUBLISH written in
 * four pieces — and its emitter has a bounded number of deliveries in flight, so deliveries
 * waiting on one terminal that stopped reading hold up everyone's. A chunk has exactly one
 * receiver, whose connection this node holds, so none of that is needed: one buffer, one
 * write, and back-pressure on that connection alone (the caller's chunk pump awaits it, so a
 * stalled terminal stops only its own pump). aedes keeps everything else: QoS 1 replies
 * (packet ids, PUBACKs), subscriptions, keep-alive, takeover.
 *
 * Frames written in one turn of the event loop (the pump often has several chunks of a
 * terminal ready together) are corked and leave in one writev at the next check phase: fewer
 * syscalls per MB. Measured side by side (BENCHMARKS.md, fleet): store CPU per MB 2.95–3.10 →
 * 2.37–2.40 ms, goodput 0.78–0.85 → 1.11–1.12 × raw aedes pub/sub.
 *
 * The same rules as aedes' delivery: only to a connected client that holds a subscription
 * covering the topic (the terminal chose what it receives), only inside the client's own down
 * tree (the access policy's second lock), and a client whose socket stays full for the drain
 * timeout is cut by aedes' own drain timer, exactly as for its own writes.
 */
import type { Client } from 'aedes';
import mqttPacket from 'mqtt-packet';

/** What a direct write needs of aedes' client: public fields, and the drain timer aedes' own writer uses. */
interface DeliverableClient {
  connected: boolean;
  closed: boolean;
  errored?: boolean;
  conn: { write(chunk: Buffer): boolean };
  subscriptions: Record<string, { qos: number } | undefined>;
  /** aedes 1.x: calls back on 'drain', or with an error after drainTimeout, having destroyed the connection. */
  waitForDrain(callback: (error: Error | null) => void): void;
}

/** `cut`: the connection closed while the write waited for it to drain (aedes' drain timeout, or the terminal left). */
export type DirectOutcome = 'written' | 'not-subscribed' | 'not-connected' | 'cut';

/**
 * Writes one QoS 0 PUBLISH of `payload` on `topic` to `client`. Resolves once the connection
 * took it (at once, or when its socket drained) or is gone — QoS 0 promises no more, and a
 * sender must never hang on a terminal. `topic` is in the client's own down tree `downPrefix`
 * (…/down/).
 */
export function writeDirect(aedesClient: Client, downPrefix: string, topic: string, payload: Buffer): Promise<DirectOutcome> {
  const client = aedesClient as unknown as DeliverableClient;
  if (!client.connected || client.closed || client.errored) return Promise.resolve('not-connected');
  if (!topic.startsWith(downPrefix) || !isSubscribed(client.subscriptions, downPrefix, topic)) return Promise.resolve('not-subscribed');
  const frame = mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
  // Frames written in the same turn of the event loop leave in one writev: fewer syscalls per MB.
  const conn = client.conn as DeliverableClient['conn'] & { cork?(): void; uncork?(): void; writableCorked?: number };
  if (conn.cork && conn.uncork && !conn.writableCorked) {
    conn.cork();
    setImmediate(() => conn.uncork!());
  }
  if (conn.write(frame)) return Promise.resolve('written');
  return new Promise((resolve) => client.waitForDrain((error) => resolve(error ? 'cut' : 'written')));
}

/**
 * Whether one of the client's filters covers `topic`. The access policy only ever grants
 * `<prefix>#`, `<prefix>+` or `<prefix><type>` (access-policy.ts), so these three lookups are
 * the whole match.
 */
function isSubscribed(subscriptions: DeliverableClient['subscriptions'], downPrefix: string, topic: string): boolean {
  return subscriptions[`${downPrefix}#`] !== undefined || subscriptions[`${downPrefix}+`] !== undefined || subscriptions[topic] !== undefined;
}
