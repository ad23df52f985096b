/**
 * Reads the MQTT fixed headers of a byte stream [MQTT 3.1.1 §2.2]: a type byte, then the
 * Remaining Length as a 1–4 byte varint (7 bits per byte, low group first, high bit = more).
 * The body is counted, not kept, so a sender announcing a 200 MiB PUBLISH is caught on its
 * first few bytes — aedes itself has no size limit and would buffer the whole body before
 * parsing it [FW-3.3]. Where one of MQTT's well-formedness rules needs them (packet-rules.ts)
 * the first bytes of a body are held until judged: a PUBLISH's topic and packet id, a
 * SUBSCRIBE's or UNSUBSCRIBE's filters.
 */
import { checkBodyPrefix, checkFixedHeader, type RuleOutcome } from './packet-rules.js';

/** Why a stream must be cut; the text goes to the log. */
export interface FrameViolation {
  /** `size`: over the packet cap; `malformed`: breaks one of MQTT's rules. */
  kind: 'size' | 'malformed';
  reason: string;
  packetType: number;
  remainingLength?: number;
}

const MAX_VARINT_BYTES = 4;

type State =
  | { at: 'type' }
  | { at: 'length'; typeByte: number; value: number; multiplier: number; bytes: number }
  /** Holding the body's first `prefix.length` bytes for a rule. */
  | { at: 'prefix'; typeByte: number; remaining: number; prefix: Uint8Array; got: number }
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
      if (state.at === 'prefix') {
        const take = Math.min(state.prefix.length - state.got, chunk.length - i);
        state.prefix.set(chunk.subarray(i, i + take), state.got);
        state.got += take;
        i += take;
        if (state.got === state.prefix.length) this.judge(state.typeByte, state.remaining, checkBodyPrefix(state.typeByte, state.prefix, state.remaining), state.prefix);
        continue;
      }
      const byte = chunk[i++] as number;
      if (state.at === 'type') {
        this.state = { at: 'length', typeByte: byte, value: 0, multiplier: 1, bytes: 0 };
        continue;
      }
      state.value += (byte & 0x7f) * state.multiplier;
      state.multiplier *= 128;
      state.bytes += 1;
      if ((byte & 0x80) === 0) {
        if (state.value > this.maxRemainingLength) {
          this.violation = {
            kind: 'size',
            reason: `packet remaining length ${state.value} exceeds the cap of ${this.maxRemainingLength} bytes`,
            packetType: state.typeByte >> 4,
            remainingLength: state.value,
          };
        } else {
          this.judge(state.typeByte, state.value, checkFixedHeader(state.typeByte, state.value), new Uint8Array(0));
        }
      } else if (state.bytes === MAX_VARINT_BYTES) {
        this.violation = { kind: 'malformed', reason: 'malformed remaining length (more than 4 bytes)', packetType: state.typeByte >> 4 };
      }
    }
    return this.violation;
  }

  /** Acts on a rule's outcome for the packet whose body's first `seen.length` bytes are held. */
  private judge(typeByte: number, remaining: number, outcome: RuleOutcome, seen: Uint8Array): void {
    if ('violation' in outcome) {
      this.violation = { kind: 'malformed', reason: outcome.violation, packetType: typeByte >> 4, remainingLength: remaining };
      return;
    }
    if ('need' in outcome && outcome.need > seen.length) {
      const prefix = new Uint8Array(outcome.need);
      prefix.set(seen);
      this.state = { at: 'prefix', typeByte, remaining, prefix, got: seen.length };
      return;
    }
    const left = remaining - seen.length;
    this.state = left === 0 ? { at: 'type' } : { at: 'body', left };
  }
}
