/** The incremental MQTT fixed-header reader behind the packet size guard [FW-3.3]. */
import { describe, expect, it } from 'vitest';
import { MqttFrameMeter } from '../../../broker/transport/frame-meter.js';
import { remainingLength } from './support/raw-mqtt.js';

const packet = (type: number, bodyLength: number): Uint8Array =>
  Uint8Array.from([type, ...remainingLength(bodyLength), ...new Uint8Array(bodyLength)]);

function feed(meter: MqttFrameMeter, bytes: Uint8Array, chunkSize: number) {
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const violation = meter.inspect(bytes.subarray(i, i + chunkSize));
    if (violation) return violation;
  }
  return undefined;
}

describe('MqttFrameMeter', () => {
  it('passes packets up to the cap, several per chunk or split anywhere', () => {
    const stream = Uint8Array.from([...packet(0x30, 1000), ...packet(0xc0, 0), ...packet(0x30, 16_383), ...packet(0x30, 16_384)]);
    for (const chunkSize of [1, 2, 3, 7, 1000, stream.length]) {
      expect(feed(new MqttFrameMeter(16_384), stream, chunkSize)).toBeUndefined();
    }
  });

  it('refuses a packet one byte over the cap, from its header alone', () => {
    const meter = new MqttFrameMeter(16_384);
    const violation = meter.inspect(Uint8Array.from([0x30, ...remainingLength(16_385)]));
    expect(violation).toMatchObject({ packetType: 3, remainingLength: 16_385 });
  });

  it('refuses a 200 MiB announcement on the last byte of its 4-byte length, with nothing after it', () => {
    const header = Uint8Array.from([0x30, ...remainingLength(200 * 1024 * 1024)]);
    const meter = new MqttFrameMeter(1024 * 1024);
    expect(meter.inspect(header.subarray(0, 4))).toBeUndefined();
    expect(meter.inspect(header.subarray(4, 5))?.reason).toBe('packet remaining length 209715200 exceeds the cap of 1048576 bytes');
  });

  it('refuses a remaining length of more than four bytes', () => {
    const meter = new MqttFrameMeter(Number.MAX_SAFE_INTEGER);
    expect(meter.inspect(Uint8Array.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))?.reason).toMatch(/more than 4 bytes/);
  });

  it('keeps refusing once it has refused', () => {
    const meter = new MqttFrameMeter(10);
    expect(meter.inspect(packet(0x30, 11))).toBeDefined();
    expect(meter.inspect(packet(0x30, 1))).toBeDefined();
  });
});
