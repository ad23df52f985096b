/**
 * The JSON form of CBOR values used by the published wire vectors [FW-12.1]: a byte string is
 * `{"hex": "…"}`, a tag is `{"tag": N, "value": …}`, an integer map key is its decimal string.
 */
import { CborTag, type CborValue } from '../cbor/index.js';
import { FairwayError } from '../errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new FairwayError('malformed', 'not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toJsonValue(value: CborValue): JsonValue {
  if (value instanceof Uint8Array) return { hex: toHex(value) };
  if (value instanceof CborTag) return { tag: value.tag, value: toJsonValue(value.value as CborValue) };
  if (typeof value === 'bigint') throw new FairwayError('out-of-range', 'integers beyond 2^53 have no JSON form here');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of value) out[String(k)] = toJsonValue(v);
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}

const INTEGER_KEY = /^-?(0|[1-9][0-9]*)$/;

export function fromJsonValue(json: JsonValue): CborValue {
  if (Array.isArray(json)) return json.map(fromJsonValue);
  if (json !== null && typeof json === 'object') {
    const keys = Object.keys(json);
    if (keys.length === 1 && keys[0] === 'hex' && typeof json.hex === 'string') return fromHex(json.hex);
    if (keys.length === 2 && typeof json.tag === 'number' && 'value' in json) return new CborTag(json.tag, fromJsonValue(json.value as JsonValue));
    if (keys.length > 0 && keys.every((k) => INTEGER_KEY.test(k))) {
      return new Map(keys.map((k) => [Number(k), fromJsonValue(json[k] as JsonValue)]));
    }
    const out: { [key: string]: CborValue } = {};
    for (const k of keys) Object.defineProperty(out, k, { value: fromJsonValue(json[k] as JsonValue), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return json;
}
