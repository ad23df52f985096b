/**
 * A request's identity in the database, for effects that must happen once whichever node a
 * resend reaches [issue 11 §3]: `<type>:<device>:<rid>:<hex SHA-256 of the request bytes>`.
 * A resend carries the same bytes under the same rid [FW-7.4.1]; a rid reused for another
 * request (a rebooted terminal) has other bytes and so another key.
 */
import { createHash } from 'node:crypto';
import type { UpType } from '../../sdk/wire/index.js';

export function requestKey(type: UpType, deviceId: string, rid: number, bytes: Uint8Array): string {
  return `${type}:${deviceId}:${rid}:${createHash('sha256').update(bytes).digest('hex')}`;
}
