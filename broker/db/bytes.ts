/**
 * Byte columns at the repository boundary. Both drivers read blobs/bytea as Node `Buffer`s;
 * the rest of the code base (and sdk/, which must not know Buffer) deals in plain Uint8Array,
 * and test equality checks tell the two apart, so rows are converted on the way out.
 */

/**
 * A plain Uint8Array holding what a driver returned. Copied, not viewed: small Buffers live in
 * Node's shared allocation pool, and a view would expose (and let callers scribble on) it.
 */
export function toBytes(value: Uint8Array): Uint8Array {
  if (value.constructor === Uint8Array) return value;
  return new Uint8Array(value);
}

export function toBytesOrNull(value: Uint8Array | null): Uint8Array | null {
  return value === null ? null : toBytes(value);
}
