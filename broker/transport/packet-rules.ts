/**
 * MQTT 3.1.1's rules for a well-formed packet from a client, checked on the fixed header and,
 * where a rule needs them, the first bytes of the body [issue 12 §6]. The standard says a
 * malformed packet closes the connection (§4.8); aedes' parser lets several through — topics
 * with U+0000 or invalid UTF-8, packet id 0, an empty SUBSCRIBE or UNSUBSCRIBE, a PINGREQ with
 * a body — so MqttFrameMeter cuts the stream on them before aedes reads a byte of the packet.
 *
 * Pure functions of bytes: a fixed header says what part of the body, if any, must be seen;
 * the body prefix is then judged, and may ask for more (a PUBLISH: first its topic's length,
 * then the topic and packet id). Bodies needed whole (SUBSCRIBE, UNSUBSCRIBE) are small and
 * already bounded by the packet cap.
 */

/** What a rule decided: a reason to cut, how many body bytes it must see, or nothing to object. */
export type RuleOutcome = { violation: string } | { need: number } | { ok: true };

const PUBLISH = 3;
const PUBREL = 6;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;
const PACKET_NAMES = ['reserved (0)', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'reserved (15)'];
/** Packets only a server sends [MQTT §2.2.1]. */
const SERVER_ONLY = new Set([2, 9, 11, 13]);
/** Packets whose body is exactly a packet id, and the flags each must carry [MQTT §2.2.2]. */
const ID_ONLY_FLAGS = new Map([
  [4, 0],
  [5, 0],
  [PUBREL, 2],
  [7, 0],
]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function packetName(packetType: number): string {
  return PACKET_NAMES[packetType] ?? String(packetType);
}

/** A UTF-8 string as MQTT allows it [MQTT §1.5.3]: well-formed (no surrogates) and without U+0000. */
function badString(bytes: Uint8Array, what: string): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return `${what} is not well-formed UTF-8`;
  }
  return text.includes('\u0000') ? `${what} contains U+0000` : undefined;
}

const u16 = (bytes: Uint8Array, at: number): number => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);

/** Judges a fixed header: its type byte and Remaining Length. */
export function checkFixedHeader(typeByte: number, remaining: number): RuleOutcome {
  const type = typeByte >> 4;
  const flags = typeByte & 0x0f;
  const name = packetName(type);
  if (type === 0 || type === 15) return { violation: `reserved packet type ${type}` };
  if (SERVER_ONLY.has(type)) return { violation: `${name} is sent by servers, not clients` };
  if (type === PUBLISH) {
    if (((flags >> 1) & 3) === 3) return { violation: 'PUBLISH with QoS 3' };
    return remaining < 2 ? { violation: 'PUBLISH without a topic name' } : { need: 2 };
  }
  const expectedFlags = type === SUBSCRIBE || type === UNSUBSCRIBE ? 2 : (ID_ONLY_FLAGS.get(type) ?? 0);
  if (flags !== expectedFlags) return { violation: `${name} with reserved flags ${flags.toString(2).padStart(4, '0')}` };
  if (ID_ONLY_FLAGS.has(type)) return remaining === 2 ? { need: 2 } : { violation: `${name} of ${remaining} bytes (2 expected)` };
  if (type === SUBSCRIBE || type === UNSUBSCRIBE) return remaining <= 2 ? { violation: `${name} without a topic filter` } : { need: remaining };
  if ((type === 12 || type === 14) && remaining !== 0) return { violation: `${name} with a body of ${remaining} bytes` };
  return { ok: true };
}

/** Judges the first `prefix.length` bytes of a body whose header asked for them. */
export function checkBodyPrefix(typeByte: number, prefix: Uint8Array, remaining: number): RuleOutcome {
  const type = typeByte >> 4;
  if (type === PUBLISH) return checkPublish(typeByte, prefix, remaining);
  if (type === SUBSCRIBE || type === UNSUBSCRIBE) return checkFilters(type, prefix);
  return u16(prefix, 0) === 0 ? { violation: `${packetName(type)} with packet id 0` } : { ok: true };
}

function checkPublish(typeByte: number, prefix: Uint8Array, remaining: number): RuleOutcome {
  const qos = (typeByte >> 1) & 3;
  const topicBytes = u16(prefix, 0);
  if (topicBytes === 0) return { violation: 'PUBLISH with an empty topic name' };
  const headerBytes = 2 + topicBytes + (qos > 0 ? 2 : 0);
  if (headerBytes > remaining) return { violation: 'PUBLISH topic name runs past the packet' };
  if (prefix.length < headerBytes) return { need: headerBytes };
  const topic = prefix.subarray(2, 2 + topicBytes);
  const bad = badString(topic, 'PUBLISH topic name');
  if (bad) return { violation: bad };
  // '+' 0x2b, '#' 0x23: wildcards belong in filters, never in a topic name [MQTT-3.3.2-2].
  if (topic.includes(0x2b) || topic.includes(0x23)) return { violation: 'PUBLISH topic name contains a wildcard' };
  if (qos > 0 && u16(prefix, 2 + topicBytes) === 0) return { violation: 'PUBLISH with packet id 0' };
  return { ok: true };
}

/** SUBSCRIBE: id, then (filter, requested QoS) pairs; UNSUBSCRIBE: id, then filters. */
function checkFilters(type: number, body: Uint8Array): RuleOutcome {
  const name = packetName(type);
  if (u16(body, 0) === 0) return { violation: `${name} with packet id 0` };
  let at = 2;
  while (at < body.length) {
    if (at + 2 > body.length) return { violation: `${name} topic filter length runs past the packet` };
    const filterBytes = u16(body, at);
    const end = at + 2 + filterBytes;
    if (filterBytes === 0) return { violation: `${name} with an empty topic filter` };
    if (end > body.length) return { violation: `${name} topic filter runs past the packet` };
    const bad = badString(body.subarray(at + 2, end), `${name} topic filter`);
    if (bad) return { violation: bad };
    at = end;
    if (type === SUBSCRIBE) {
      const requested = body[at];
      if (requested === undefined) return { violation: 'SUBSCRIBE topic filter without its QoS byte' };
      if (requested > 2) return { violation: `SUBSCRIBE requesting QoS byte ${requested}` };
      at += 1;
    }
  }
  return { ok: true };
}
