/** How a decode failure becomes the `error` a terminal receives [FW-10.2]. */
import type { ErrorCode, MessageOf } from '../../sdk/wire/index.js';

export { errorCodeFor, salvageRid } from '../../sdk/wire/index.js';

/** How long a terminal told `busy` (too much of its own work waiting) waits before resending. */
export const BUSY_RETRY_AFTER_MS = 1_000;

export function errorMessage(code: ErrorCode, message: string, rid?: number, retryAfterMs?: number): MessageOf<'error'> {
  return {
    v: 1,
    t: 'error',
    ...(rid !== undefined ? { rid } : {}),
    code,
    message: message.slice(0, 200),
    ...(retryAfterMs !== undefined ? { retryAfterMs: Math.ceil(retryAfterMs) } : {}),
  };
}
