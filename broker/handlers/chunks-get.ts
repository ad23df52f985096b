/**
 * chunks.get → chunk × n | refusal | error [FW-4.6]: queue the named chunks of an open
 * transfer of this terminal on the fair pump; they go out as QoS 0 `chunk` messages. A window
 * this node cannot read is answered with an `error` by the pump (store-service.ts).
 */
import { chunkCount, chunkSpan, expandBits, expandRuns } from '../../sdk/chunks/index.js';
import { FairwayError } from '../../sdk/errors.js';
import { toHex } from '../../sdk/vectors/json.js';
import { ContentUnavailableError } from '../catalog/part-bytes-source.js';
import { getTransfer } from '../ledger/holds.js';
import { BUSY_RETRY_AFTER_MS, errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler } from '../service/store-context.js';

/**
 * Windows one terminal may have waiting: four times the most a terminal runtime keeps in
 * flight (8), so re-asked windows fit too, and at most 32 × windowMax chunk indexes held for
 * it. More is a terminal that asks without reading: `busy`, so it waits [issue 12 §5].
 */
export const MAX_QUEUED_WINDOWS_PER_DEVICE = 32;

export const handleChunksGet: Handler<'chunks.get'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  if (ctx.pump.queuedWindows(deviceId) >= MAX_QUEUED_WINDOWS_PER_DEVICE) {
    return errorMessage('busy', `${MAX_QUEUED_WINDOWS_PER_DEVICE} chunk windows are already waiting for this terminal`, message.rid, BUSY_RETRY_AFTER_MS);
  }
  const transfer = await getTransfer(ctx.ledger, toHex(message.transfer));
  if (!transfer || transfer.deviceId !== deviceId || transfer.userId !== session.userId || transfer.state === 'charged') {
    return refusal(message.rid, 'unknown-transfer', 'no open transfer with that id for this terminal');
  }
  if (transfer.state === 'released' || nowMs > transfer.holdUntil) {
    return refusal(message.rid, 'hold-expired', 'the hold lapsed; ask for a new offer', { part: transfer.partId });
  }
  const found = await ctx.parts.get(transfer.partId);
  if (!found) return refusal(message.rid, 'unknown-part', `part ${transfer.partId} is no longer in the catalog`, { part: transfer.partId });
  const { part } = found;
  const count = chunkCount(part.sizeBytes, part.chunkBytes);
  let indexes: number[];
  try {
    indexes = message.ranges ? expandRuns(message.ranges, count, ctx.config.windowMax) : expandBits(message.from!, message.bits!, count, ctx.config.windowMax);
  } catch (e) {
    if (e instanceof FairwayError) return errorMessage('bad-request', e.message, message.rid);
    throw e;
  }
  ctx.pump.enqueue({
    deviceId,
    rid: message.rid,
    transfer: message.transfer,
    indexes,
    read: async (index) => {
      const span = chunkSpan(index, part.sizeBytes, part.chunkBytes);
      const data = await ctx.content.read(part.contentHash, span.offsetBytes, span.lengthBytes);
      // A short copy (a truncated file) must fail the window, not send a short or empty chunk.
      if (data.length !== span.lengthBytes) throw new ContentUnavailableError('truncated', part.contentHash, `${data.length} of ${span.lengthBytes} bytes at ${span.offsetBytes}`);
      return data;
    },
  });
  return undefined;
};
