/**
 * Reads only the MQTT fixed headers of a byte stream [MQTT 3.1.1 §2.2]: a type byte, then the
 * Remaining Length as a 1–4 byte varint (7 bits per byte, low group first, high bit = more).
 * The body is counted, never kept, so a sender announcing a 200 MiB PUBLISH is caught on
 * its first few bytes — aedes itself has no size limit and would buffer the whole body
 * before parsing it [FW-3.3].
 */

/** Why a stream must be cut; the text goes to the log. */
export interface FrameViolation {
  reason: string;
  packetType: number;
  remainingLength?: number;
}

const MAX_VARINT_BYTES = 4;

type State =
  | { at: 'type' }
  | { at: 'length'; packetType: number; value: number; multiplier: number; bytes: number }
  | { at: 'body'; left: number };

export class MqttFrameMeter {
  private state: State = { at: 'type' };
  private violation: FrameViolation | undefined;

  constructor(private readonly maxRemainingLength: number) {}

  /**
   * Feeds the next bytes received. Returns the first violation (and the same one on every
   * later call: the stream is to be destroyed, not resynchronised), or undefined.
   */
  inspect(chunk: Uint8Array): FrameViolation | undefined {
    let i = 0;
    while (i < chunk.length && !this.violation) {
      const state = this.state;
      if (state.at === 'body') {
        // Skip the body without reading it; it may span many chunks.
        const take = Math.min(state.left, chunk.length - i);
        i += take;
        state.left -= take;
        if (state.left === 0) this.state = { at: 'type' };
        continue;
      }
      const byte = chunk[i++] as number;
      if (state.at === 'type') {
        this.state = { at: 'length', packetType: byte >> 4, value: 0, multiplier: 1, bytes: 0 };
        continue;
      }
      state.value += (byte & 0x7f) * state.multiplier;
      state.multiplier *= 128;
      state.bytes += 1;
      if ((byte & 0x80) === 0) {
        if (state.value > this.maxRemainingLength) {
          this.violation = {
            reason: `packet remaining length ${state.value} exceeds the cap of ${this.maxRemainingLength} bytes`,
            packetType: state.packetType,
            remainingLength: state.value,
          };
        } else {
          this.state = state.value === 0 ? { at: 'type' } : { at: 'body', left: state.value };
        }
      } else if (state.bytes === MAX_VARINT_BYTES) {
        this.violation = { reason: 'malformed remaining length (more than 4 bytes)', packetType: state.packetType };
      }
    }
    return this.violation;
  }
}
