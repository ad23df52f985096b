/**
 * MQTT 3.1.1 (protocol level 4) packets, client side, for the subset Fairway uses [FW-2.3,
 * FW-2.5]: we encode CONNECT, SUBSCRIBE, PUBLISH (QoS 0/1), PUBACK, PINGREQ and DISCONNECT, and
 * decode what a broker sends back: CONNACK, SUBACK, PUBLISH (QoS 0/1), PUBACK, PINGRESP.
 *
 * Decoding is strict, because a broker that breaks the protocol is one we should leave rather
 * than guess about: reserved flags, wrong lengths, bad UTF-8, packet id 0, unknown return codes
 * and any packet a server never sends a client (or that this client never asks for, such as
 * QoS 2's PUBREC) are all `malformed`.
 */
import { FairwayError } from '../errors.js';
import { BodyCursor, checkPacketId, MAX_STRING_BYTES, PacketBuilder, utf8Field } from './fields.js';
import { checkTopicFilter, checkTopicName, isValidTopicName } from './topic-rules.js';

/** The QoS levels this client sends and accepts; QoS 2 is not part of Fairway [FW-2.5.2]. */
export type MqttQos = 0 | 1;

/** Control packet types, the high nibble of the first byte (§2.2.1). */
export const PACKET_TYPE = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
} as const;

const TYPE_NAMES = ['reserved (0)', ...Object.keys(PACKET_TYPE), 'reserved (15)'];

/** SUBACK's return code for a refused subscription (§3.9.3). */
export const SUBACK_FAILURE = 0x80;

const PROTOCOL_NAME = utf8Field('MQTT', 'protocol name');
const PROTOCOL_LEVEL = 4;

export interface ConnectFields {
  clientId: string;
  username: string;
  /** Binary data, sent as is (§3.1.3.5): the COSE credential [FW-2.3]. */
  password: Uint8Array;
  /** 0..65535; 0 turns keep-alive off (which Fairway forbids, so the client refuses it). */
  keepAliveSeconds: number;
  cleanSession: boolean;
}

export function encodeConnect(fields: ConnectFields): Uint8Array {
  const clientId = utf8Field(fields.clientId, 'clientId');
  const username = utf8Field(fields.username, 'username');
  if (!(fields.password instanceof Uint8Array)) throw new FairwayError('invalid-argument', 'password must be a Uint8Array', 'password');
  if (fields.password.length > MAX_STRING_BYTES) {
    throw new FairwayError('invalid-argument', `password is ${fields.password.length} bytes; MQTT allows at most ${MAX_STRING_BYTES}`, 'password');
  }
  const keepAlive = fields.keepAliveSeconds;
  if (!Number.isInteger(keepAlive) || keepAlive < 0 || keepAlive > 65_535) {
    throw new FairwayError('invalid-argument', `keepAliveSeconds must be an integer in 0..65535, got ${keepAlive}`, 'keepAliveSeconds');
  }
  if (clientId.length === 0 && !fields.cleanSession) {
    throw new FairwayError('invalid-argument', 'an empty clientId needs a clean session [MQTT-3.1.3-7]', 'clientId');
  }
  // User name and password flags, clean session; no will (§3.1.2.3).
  const flags = 0x80 | 0x40 | (fields.cleanSession ? 0x02 : 0);
  const length = 2 + PROTOCOL_NAME.length + 1 + 1 + 2 + 2 + clientId.length + 2 + username.length + 2 + fields.password.length;
  return new PacketBuilder(PACKET_TYPE.connect << 4, length)
    .prefixed(PROTOCOL_NAME)
    .byte(PROTOCOL_LEVEL)
    .byte(flags)
    .uint16(keepAlive)
    .prefixed(clientId)
    .prefixed(username)
    .prefixed(fields.password)
    .finish();
}

/** One topic filter per SUBSCRIBE: all Fairway needs [FW-2.5.1]. Fixed-header flags are 0010 [MQTT-3.8.1-1]. */
export function encodeSubscribe(packetId: number, filter: string, qos: MqttQos): Uint8Array {
  checkPacketId(packetId);
  checkSubscribeArguments(filter, qos);
  const filterBytes = utf8Field(filter, 'filter');
  return new PacketBuilder((PACKET_TYPE.subscribe << 4) | 0x02, 2 + 2 + filterBytes.length + 1)
    .uint16(packetId)
    .prefixed(filterBytes)
    .byte(qos)
    .finish();
}

export interface OutboundPublish {
  topic: string;
  payload: Uint8Array;
  qos: MqttQos;
  /** Required for QoS 1, absent for QoS 0 [MQTT-2.3.1-5]. */
  packetId?: number;
  /** A resend of a QoS 1 message; never set on QoS 0 [MQTT-3.3.1-2]. */
  dup?: boolean;
}

/** Checks what a caller hands to publish before a packet id is spent on it. */
export function checkPublishArguments(topic: string, payload: Uint8Array, qos: MqttQos): void {
  checkQos(qos);
  checkTopicName(topic);
  utf8Field(topic, 'topic');
  if (!(payload instanceof Uint8Array)) throw new FairwayError('invalid-argument', 'payload must be a Uint8Array', 'payload');
}

/** Checks what a caller hands to subscribe before a packet id is spent on it. */
export function checkSubscribeArguments(filter: string, qos: MqttQos): void {
  checkQos(qos);
  checkTopicFilter(filter);
  utf8Field(filter, 'filter');
}

/** PUBLISH with retain 0: Fairway never retains [FW-2.4.2]. */
export function encodePublish(message: OutboundPublish): Uint8Array {
  checkPublishArguments(message.topic, message.payload, message.qos);
  const topic = utf8Field(message.topic, 'topic');
  const dup = message.dup ?? false;
  if (message.qos === 0) {
    if (message.packetId !== undefined) throw new FairwayError('invalid-argument', 'a QoS 0 PUBLISH has no packet id', 'packetId');
    if (dup) throw new FairwayError('invalid-argument', 'a QoS 0 PUBLISH cannot be a duplicate', 'dup');
  } else {
    checkPacketId(message.packetId as number);
  }
  const firstByte = (PACKET_TYPE.publish << 4) | (dup ? 0x08 : 0) | (message.qos << 1);
  const idBytes = message.qos === 0 ? 0 : 2;
  const builder = new PacketBuilder(firstByte, 2 + topic.length + idBytes + message.payload.length).prefixed(topic);
  if (message.qos === 1) builder.uint16(message.packetId as number);
  return builder.raw(message.payload).finish();
}

export function encodePuback(packetId: number): Uint8Array {
  checkPacketId(packetId);
  return new PacketBuilder(PACKET_TYPE.puback << 4, 2).uint16(packetId).finish();
}

export function encodePingreq(): Uint8Array {
  return Uint8Array.of(PACKET_TYPE.pingreq << 4, 0);
}

export function encodeDisconnect(): Uint8Array {
  return Uint8Array.of(PACKET_TYPE.disconnect << 4, 0);
}

function checkQos(qos: number): asserts qos is MqttQos {
  if (qos !== 0 && qos !== 1) throw new FairwayError('invalid-argument', `qos must be 0 or 1, got ${qos}`, 'qos');
}

// ---- decoding -------------------------------------------------------------------------------

/** One framed packet as the reader hands it over: the first byte and the body after the length. */
export interface RawPacket {
  readonly firstByte: number;
  readonly body: Uint8Array;
}

export interface Connack {
  readonly type: 'connack';
  readonly sessionPresent: boolean;
  /** 0 accepted; 1..5 the refusals of §3.2.2.3 [FW-2.3.3]. */
  readonly returnCode: number;
}

export interface Suback {
  readonly type: 'suback';
  readonly packetId: number;
  /** One per filter subscribed: the granted QoS 0..2, or SUBACK_FAILURE. */
  readonly returnCodes: readonly number[];
}

export interface InboundPublish {
  readonly type: 'publish';
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: MqttQos;
  /** Present exactly when qos is 1. */
  readonly packetId?: number;
  readonly dup: boolean;
  readonly retain: boolean;
}

export interface Puback {
  readonly type: 'puback';
  readonly packetId: number;
}

export interface Pingresp {
  readonly type: 'pingresp';
}

export type InboundPacket = Connack | Suback | InboundPublish | Puback | Pingresp;

/** Decodes one packet a broker sent; anything a client must not receive or did not ask for → malformed. */
export function decodePacket(packet: RawPacket): InboundPacket {
  const type = packet.firstByte >>> 4;
  const flags = packet.firstByte & 0x0f;
  if (type === PACKET_TYPE.publish) return decodePublish(flags, packet.body);
  const name = TYPE_NAMES[type] as string;
  if (flags !== 0) throw new FairwayError('malformed', `${name} with reserved flags ${flags.toString(2).padStart(4, '0')}`, name);
  switch (type) {
    case PACKET_TYPE.connack:
      return decodeConnack(packet.body);
    case PACKET_TYPE.suback:
      return decodeSuback(packet.body);
    case PACKET_TYPE.puback:
      return { type: 'puback', packetId: decodeIdOnly(packet.body, name) };
    case PACKET_TYPE.pingresp:
      checkLength(packet.body, 0, name);
      return { type: 'pingresp' };
    default:
      throw new FairwayError('malformed', `a ${name} packet is not one a broker sends this client`, name);
  }
}

function decodeConnack(body: Uint8Array): Connack {
  checkLength(body, 2, 'connack');
  const acknowledgeFlags = body[0] as number;
  const returnCode = body[1] as number;
  if ((acknowledgeFlags & 0xfe) !== 0) throw new FairwayError('malformed', 'CONNACK with reserved acknowledge flags set [MQTT-3.2.2.1]', 'connack');
  if (returnCode > 5) throw new FairwayError('malformed', `CONNACK return code ${returnCode} is reserved`, 'connack');
  const sessionPresent = acknowledgeFlags === 1;
  if (sessionPresent && returnCode !== 0) {
    throw new FairwayError('malformed', 'a refusing CONNACK must not report a session [MQTT-3.2.2-4]', 'connack');
  }
  return { type: 'connack', sessionPresent, returnCode };
}

function decodeSuback(body: Uint8Array): Suback {
  const cursor = new BodyCursor(body, 'suback');
  const packetId = readPacketId(cursor, 'suback');
  if (cursor.remaining === 0) throw new FairwayError('malformed', 'SUBACK without return codes', 'suback');
  const returnCodes: number[] = [];
  while (cursor.remaining > 0) {
    const code = cursor.byte();
    if (code > 2 && code !== SUBACK_FAILURE) throw new FairwayError('malformed', `SUBACK return code ${code} is reserved`, 'suback');
    returnCodes.push(code);
  }
  return { type: 'suback', packetId, returnCodes };
}

function decodePublish(flags: number, body: Uint8Array): InboundPublish {
  const dup = (flags & 0x08) !== 0;
  const qos = (flags >>> 1) & 0x03;
  const retain = (flags & 0x01) !== 0;
  if (qos === 3) throw new FairwayError('malformed', 'PUBLISH with QoS 3 [MQTT-3.3.1-4]', 'publish');
  if (qos === 2) throw new FairwayError('malformed', 'PUBLISH with QoS 2, which this client never subscribes for', 'publish');
  if (dup && qos === 0) throw new FairwayError('malformed', 'a QoS 0 PUBLISH marked duplicate [MQTT-3.3.1-2]', 'publish');
  const cursor = new BodyCursor(body, 'publish');
  const topic = cursor.string('topic');
  if (!isValidTopicName(topic)) throw new FairwayError('malformed', `PUBLISH topic "${topic}" is empty or has a wildcard [MQTT-3.3.2-2]`, 'publish.topic');
  if (qos === 0) return { type: 'publish', topic, payload: cursor.rest(), qos, dup, retain };
  const packetId = readPacketId(cursor, 'publish');
  return { type: 'publish', topic, payload: cursor.rest(), qos: 1, packetId, dup, retain };
}

function decodeIdOnly(body: Uint8Array, name: string): number {
  checkLength(body, 2, name);
  return readPacketId(new BodyCursor(body, name), name);
}

function readPacketId(cursor: BodyCursor, name: string): number {
  const id = cursor.uint16();
  if (id === 0) throw new FairwayError('malformed', `${name} with packet id 0 [MQTT-2.3.1-1]`, name);
  return id;
}

function checkLength(body: Uint8Array, expected: number, name: string): void {
  if (body.length !== expected) {
    throw new FairwayError('malformed', `${name} has a remaining length of ${body.length}, not ${expected}`, name);
  }
}
