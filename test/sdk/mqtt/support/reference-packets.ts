/**
 * The reference MQTT codec for these tests: the `mqtt-packet` package mqtt.js is built on,
 * wrapped to speak Uint8Array. Our encoder is checked against it byte for byte, and the scripted
 * broker parses what our client sends with it, so no test checks our codec against itself.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';

export type { Packet };

export function generate(packet: Packet): Uint8Array {
  const bytes = mqttPacket.generate(packet);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}

/** Every complete packet in `bytes`; throws if the reference parser reports an error or leftovers. */
export function parseAll(bytes: Uint8Array): Packet[] {
  const parser = new StreamParser();
  parser.push(bytes);
  if (parser.leftoverBytes !== 0) throw new Error(`${parser.leftoverBytes} bytes after the last complete packet`);
  return parser.take();
}

/** The reference parser over a stream of pieces. */
export class StreamParser {
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private readonly packets: Packet[] = [];
  private error: Error | undefined;
  private leftover = 0;

  constructor() {
    this.parser.on('packet', (packet: Packet) => this.packets.push(packet));
    this.parser.on('error', (error: Error) => (this.error ??= error));
  }

  /** Bytes the parser holds that do not yet make a packet. */
  get leftoverBytes(): number {
    return this.leftover;
  }

  push(bytes: Uint8Array): void {
    this.leftover = this.parser.parse(Buffer.from(bytes));
    if (this.error) throw this.error;
  }

  take(): Packet[] {
    return this.packets.splice(0);
  }
}
