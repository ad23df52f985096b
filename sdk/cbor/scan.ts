/**
 * A structural pass over untrusted CBOR before any decoder allocates for it [FW-3].
 *
 * cbor-x is fast but permissive: it overwrites duplicate map keys, recurses until the stack
 * throws a RangeError, decodes floats where the protocol has integers and ignores nothing we
 * could tell a porter about. This pass walks the item heads only, so a hostile body costs at
 * most one linear scan bounded by the size cap, and it answers with a typed error instead.
 */
import { FairwayError } from '../errors.js';

export interface ScanLimits {
  maxBytes: number;
  maxDepth: number;
  /** Tags allowed anywhere (only tag 18, COSE_Sign1, is ever used by the protocol). */
  allowedTags: ReadonlySet<number>;
}

/** No protocol key is longer than a few bytes; a long one is an attack on the duplicate check. */
export const MAX_KEY_BYTES = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Scanner {
  private pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: ScanLimits,
  ) {}

  run(): void {
    if (this.bytes.length === 0) throw new FairwayError('malformed', 'empty input');
    this.item(0);
    if (this.pos !== this.bytes.length) {
      throw new FairwayError('trailing-bytes', `${this.bytes.length - this.pos} bytes after the item`);
    }
  }

  private need(n: number): void {
    if (n > this.bytes.length - this.pos) throw new FairwayError('malformed', `truncated at byte ${this.pos}`);
  }

  /** Reads an argument; lengths beyond 2^53 cannot fit the input anyway and fail `need`. */
  private argument(additional: number): number {
    if (additional < 24) return additional;
    const size = additional === 24 ? 1 : additional === 25 ? 2 : additional === 26 ? 4 : additional === 27 ? 8 : 0;
    if (size === 0) {
      const why = additional === 31 ? 'indefinite lengths are not allowed' : `reserved additional info ${additional}`;
      throw new FairwayError('malformed', `${why} at byte ${this.pos - 1}`);
    }
    this.need(size);
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + (this.bytes[this.pos + i] as number);
    this.pos += size;
    return value;
  }

  /**
   * What a key means, not how it was written: `63726964` and `7803726964` are both "rid"
   * and must collide, or a decoder would silently keep the last of two values.
   */
  private keyIdentity(keyStart: number): string {
    const end = this.pos;
    this.pos = keyStart + 1;
    const major = (this.bytes[keyStart] as number) >> 5;
    const value = this.argument((this.bytes[keyStart] as number) & 0x1f);
    const contentStart = this.pos;
    this.pos = end;
    if (major === 3) return `t${String.fromCharCode(...this.bytes.subarray(contentStart, end))}`;
    return `${major === 0 ? 'u' : 'n'}${value}`;
  }

  /** Depth counts enclosing containers (arrays, maps, tags): `[[1]]` is depth 2. */
  private enter(depth: number): number {
    if (depth + 1 > this.limits.maxDepth) throw new FairwayError('too-deep', `nesting deeper than ${this.limits.maxDepth}`);
    return depth + 1;
  }

  private item(depth: number): void {
    this.need(1);
    const initial = this.bytes[this.pos++] as number;
    const major = initial >> 5;
    const additional = initial & 0x1f;
    switch (major) {
      case 0:
      case 1:
        this.argument(additional);
        return;
      case 2: {
        const length = this.argument(additional);
        this.need(length);
        this.pos += length;
        return;
      }
      case 3: {
        const length = this.argument(additional);
        this.need(length);
        try {
          utf8.decode(this.bytes.subarray(this.pos, this.pos + length));
        } catch {
          throw new FairwayError('malformed', `invalid UTF-8 in a text string at byte ${this.pos}`);
        }
        this.pos += length;
        return;
      }
      case 4: {
        const count = this.argument(additional);
        // Each element takes at least one byte: a count beyond the rest is a lie, refuse early.
        this.need(count);
        const inner = this.enter(depth);
        for (let i = 0; i < count; i++) this.item(inner);
        return;
      }
      case 5: {
        const count = this.argument(additional);
        this.need(count * 2);
        const inner = this.enter(depth);
        const seen = new Set<string>();
        for (let i = 0; i < count; i++) {
          const keyStart = this.pos;
          const keyMajor = (this.bytes[this.pos] as number) >> 5;
          if (keyMajor > 1 && keyMajor !== 3) {
            throw new FairwayError('malformed', `map keys must be integers or text, at byte ${keyStart}`);
          }
          this.item(inner);
          if (this.pos - keyStart > MAX_KEY_BYTES) {
            throw new FairwayError('malformed', `map key over ${MAX_KEY_BYTES} bytes at byte ${keyStart}`);
          }
          const key = this.keyIdentity(keyStart);
          if (seen.has(key)) throw new FairwayError('malformed', `duplicate map key at byte ${keyStart}`);
          seen.add(key);
          this.item(inner);
        }
        return;
      }
      case 6: {
        const tag = this.argument(additional);
        if (!this.limits.allowedTags.has(tag)) throw new FairwayError('malformed', `tag ${tag} is not allowed here`);
        this.item(this.enter(depth));
        return;
      }
      default: {
        // Major type 7: only false, true and null exist in this protocol; no floats, no undefined.
        if (additional >= 20 && additional <= 22) return;
        throw new FairwayError('malformed', `simple value or float (0x${initial.toString(16)}) at byte ${this.pos - 1}`);
      }
    }
  }
}

/** Throws a FairwayError unless `bytes` is exactly one well-formed item within the limits. */
export function scanCbor(bytes: Uint8Array, limits: ScanLimits): void {
  if (bytes.length > limits.maxBytes) {
    throw new FairwayError('too-large', `${bytes.length} bytes is over the ${limits.maxBytes}-byte cap`);
  }
  new Scanner(bytes, limits).run();
}
