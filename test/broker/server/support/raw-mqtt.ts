/**
 * Hand-built MQTT 3.1.1 packets on a raw socket, for what a well-behaved client library will
 * not do: announce a 200 MiB packet, or subscribe and then never read again.
 */
import { connect, type Socket } from 'node:net';

export function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

export function utf8Field(s: string | Uint8Array): number[] {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s);
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
}

export function packet(typeAndFlags: number, body: number[]): Buffer {
  return Buffer.from([typeAndFlags, ...remainingLength(body.length), ...body]);
}

/** CONNECT with clean session; the user name may be left out (which mqtt.js refuses to do). */
export function connectPacket(clientId: string, username: string | undefined, password: Uint8Array, keepaliveSeconds = 30, level = 4): Buffer {
  const flags = (username === undefined ? 0 : 0x80) | 0x40 | 0x02; // [user name], password, clean session
  // Level 5 (MQTT 5) would also need a properties length here: 0, none.
  const header = [...utf8Field('MQTT'), level, flags, keepaliveSeconds >> 8, keepaliveSeconds & 0xff, ...(level === 5 ? [0] : [])];
  const user = username === undefined ? [] : utf8Field(username);
  return packet(0x10, [...header, ...utf8Field(clientId), ...user, ...utf8Field(password)]);
}

/** Sends CONNECT and resolves with the CONNACK return code (rejects if the socket closes first). */
export async function rawConnack(connection: RawConnection, connect: Buffer, timeoutMs = 3000): Promise<number> {
  connection.socket.write(connect);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connack = connection.packets.find((p) => p.type === CONNACK);
    if (connack) return connack.body[1] as number;
    if (connection.socket.destroyed || Date.now() > deadline) throw new Error('no CONNACK');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function subscribePacket(messageId: number, filter: string, qos: number): Buffer {
  return packet(0x82, [messageId >> 8, messageId & 0xff, ...utf8Field(filter), qos]);
}

/** A socket and the packets (type nibble + body) it has received so far. */
export interface RawConnection {
  socket: Socket;
  packets: Array<{ type: number; body: Buffer }>;
  closed: Promise<void>;
}

/** `localAddress`: another loopback address (127.0.0.2…) to come from another source. */
export async function openRaw(port: number, localAddress?: string): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {}); // a reset by the broker is what some tests expect
  const packets: RawConnection['packets'] = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let i = 1;
      for (; i < pending.length && i <= 4; i++) {
        const byte = pending[i] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) break;
      }
      if (i >= pending.length || pending.length < i + 1 + length) return;
      packets.push({ type: (pending[0] as number) >> 4, body: pending.subarray(i + 1, i + 1 + length) });
      pending = pending.subarray(i + 1 + length);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, packets, closed };
}

export const CONNACK = 2;
export const SUBACK = 9;

/** A QoS 0 PUBLISH. */
export function publishPacket(topic: string, payload: Uint8Array): Buffer {
  return packet(0x30, [...utf8Field(topic), ...payload]);
}
