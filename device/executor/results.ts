/**
 * The results rule, checked on the device before anything is uploaded: the same limits the
 * `finish` message's schema enforces in sdk/wire/messages.ts [FW-4.9], so a buggy cartridge is
 * caught here, with a typed error, instead of producing a `finish` the store refuses.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Results } from './executor.js';

export const RESULT_KEY_PATTERN = /^[a-z][a-zA-Z0-9]{0,31}$/;
export const RESULTS_MAX_KEYS = 32;
export const RESULT_TEXT_MAX_BYTES = 256;
export const RESULT_INT_MIN = -(2 ** 31);
export const RESULT_INT_MAX = 2 ** 31 - 1;

/** A UTF-16 surrogate without its partner: not Unicode text, so not encodable as CBOR text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();

/**
 * Returns `results` typed when it is a plain object of valid entries; otherwise throws
 * FairwayError `wrong-type` (not an object, a value that is not an int, text or boolean) or
 * `out-of-range` (a bad key, too many keys, an int outside int32, text over 256 bytes), with
 * the offending entry as `path`.
 */
export function checkResults(results: unknown, path = 'results'): Results {
  if (typeof results !== 'object' || results === null || Array.isArray(results)) {
    throw new FairwayError('wrong-type', 'results are a map of names to values', path);
  }
  const prototype: unknown = Object.getPrototypeOf(results);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new FairwayError('wrong-type', 'results are a plain map of names to values', path);
  }
  const keys = Object.keys(results);
  if (keys.length > RESULTS_MAX_KEYS) {
    throw new FairwayError('out-of-range', `${keys.length} results; at most ${RESULTS_MAX_KEYS}`, path);
  }
  for (const key of keys) {
    const at = `${path}.${key}`;
    if (!RESULT_KEY_PATTERN.test(key)) throw new FairwayError('out-of-range', 'a result name is 1–32 letters and digits, camelCase, starting lower-case', at);
    const value: unknown = (results as Record<string, unknown>)[key];
    checkValue(value, at);
  }
  return results as Results;
}

function checkValue(value: unknown, at: string): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'number':
      if (!Number.isInteger(value)) throw new FairwayError('wrong-type', `${value} is not a whole number`, at);
      if (value < RESULT_INT_MIN || value > RESULT_INT_MAX) throw new FairwayError('out-of-range', `${value} is outside the int32 range`, at);
      return;
    case 'string': {
      if (LONE_SURROGATE.test(value)) throw new FairwayError('wrong-type', 'text with a lone UTF-16 surrogate is not Unicode text', at);
      const bytes = utf8.encode(value).length;
      if (bytes > RESULT_TEXT_MAX_BYTES) throw new FairwayError('out-of-range', `text of ${bytes} bytes; at most ${RESULT_TEXT_MAX_BYTES} bytes of UTF-8`, at);
      return;
    }
    default:
      throw new FairwayError('wrong-type', `a result is a whole number, a text or a boolean, not ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`, at);
  }
}
