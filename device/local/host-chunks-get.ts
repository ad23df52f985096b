/**
 * chunks.get → chunk × n | refusal | error [FW-14.4, FW-4.6]: the named chunks of the hosted
 * part go to the connection's pump, in ascending order, with `x` = the licence id. Only a
 * peer that joined on this connection is served; a bad window is `bad-request` and nothing is
 * sent; a full pump answers `busy` (the peer's window timeout asks again).
 */
import { expandBits, expandRuns } from '../../sdk/chunks/index.js';
import { isFairwayError } from '../../sdk/errors.js';
import type { LocalMessageOf } from '../../sdk/local/index.js';
import { equalBytes } from '../../sdk/manifest/manifest.js';
import type { HostConnectionState, HostContext } from './host-context.js';

/** How long a peer told `busy` should wait before asking again. */
export const BUSY_RETRY_MS = 200;

export async function handleChunksGet(host: HostContext, conn: HostConnectionState, message: LocalMessageOf<'chunks.get'>): Promise<void> {
  const { rid } = message;
  if (conn.peer === null) return conn.send({ t: 'error', rid, code: 'bad-request', message: 'join first' });
  if (host.isOver()) return conn.send({ t: 'refusal', rid, code: 'licence-expired', message: 'the session is over' });
  if (!equalBytes(message.transfer, host.licence.licence)) {
    return conn.send({ t: 'refusal', rid, code: 'unknown-transfer', message: 'the transfer of a local session is its licence id' });
  }
  let indexes: number[];
  try {
    indexes = message.ranges ? expandRuns(message.ranges, host.chunkCount, host.windowMax) : expandBits(message.from!, message.bits!, host.chunkCount, host.windowMax);
  } catch (error) {
    if (isFairwayError(error)) return conn.send({ t: 'error', rid, code: 'bad-request', message: error.message.slice(0, 200) });
    throw error;
  }
  if (indexes.length === 0) return conn.send({ t: 'error', rid, code: 'bad-request', message: 'no chunk named' });
  if (!conn.enqueueChunks(rid, indexes)) {
    return conn.send({ t: 'error', rid, code: 'busy', message: 'too many chunks queued for this peer', retryAfterMs: BUSY_RETRY_MS });
  }
}
