/**
 * A Link that shows a test every MQTT PUBLISH its terminal sends, as the bytes went out: how
 * a fault test gets hold of a real receipt (or any request) to send again, byte for byte, to
 * another node. The terminal's MQTT client hands the link one whole packet per write
 * (sdk/mqtt/client.ts), so a write is parsed on its own; anything else passes untouched.
 */
import type { Link, LinkConnection } from '../../sdk/hal/link.js';

export type PublishListener = (topic: string, payload: Uint8Array) => void;

/** Topic and payload of a PUBLISH packet, or undefined for any other packet. */
export function parsePublish(packet: Uint8Array): { topic: string; payload: Uint8Array } | undefined {
  const first = packet[0];
  if (first === undefined || first >> 4 !== 3) return undefined;
  // Remaining length: 1–4 bytes, 7 bits each, least significant first (MQTT 3.1.1 §2.2.3).
  let remaining = 0;
  let offset = 1;
  for (let shift = 0; shift < 28; shift += 7) {
    const byte = packet[offset++];
    if (byte === undefined) return undefined;
    remaining += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  if (offset + remaining !== packet.length) return undefined; // not one whole packet
  const topicLength = ((packet[offset] ?? 0) << 8) | (packet[offset + 1] ?? 0);
  const topicStart = offset + 2;
  const topic = new TextDecoder().decode(packet.subarray(topicStart, topicStart + topicLength));
  const qos = (first >> 1) & 3;
  const payloadStart = topicStart + topicLength + (qos > 0 ? 2 : 0);
  return { topic, payload: packet.slice(payloadStart) };
}

export function tapPublishes(inner: Link, listener: PublishListener): Link {
  return {
    async connect(): Promise<LinkConnection> {
      const connection = await inner.connect();
      return {
        write(bytes) {
          const publish = parsePublish(bytes);
          if (publish) listener(publish.topic, publish.payload);
          return connection.write(bytes);
        },
        read: () => connection.read(),
        close: () => connection.close(),
      };
    },
  };
}
