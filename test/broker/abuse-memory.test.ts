/**
 * Memory bounded under abuse, end to end [issue 12 §5]: one authenticated terminal sends
 * hundreds of distinct 256 KiB requests (seat.notices of 64 × 4 KiB junk notices, the largest
 * a request may be) over real MQTT, each answered. The store keeps a digest of each request
 * and a small reply, never the request's bytes: the process retains a few MiB, not the
 * 125 MiB that went through it (before, every request's bytes stayed in the reply cache for
 * 10 minutes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { startStore } from '../../broker/store.js';
import { seed } from '../support/seed.js';
import type { TestTerminal } from '../support/terminal-client.js';
import { loggedIn, twoTerminalWorld } from './support/two-terminals.js';

const REQUESTS = 500;
const NOTICES = 64;
const NOTICE_BYTES = 4096;

/** Freed buffers are returned by a background sweeper after a collection: collect, wait, take the lowest reading. */
async function settledMemoryBytes(gc: () => void): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 30));
    const usage = process.memoryUsage();
    lowest = Math.min(lowest, usage.heapUsed + usage.arrayBuffers);
  }
  return lowest;
}

it(`retains a few MiB, not the requests, after ${REQUESTS} distinct 256 KiB requests from one terminal (FAIRWAY_SEED=${seed})`, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const root = await mkdtemp(join(tmpdir(), 'fairway-abuse-memory-'));
  const store = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS, logger: pino({ level: 'silent' }) });
  const opened: TestTerminal[] = [];
  try {
    await twoTerminalWorld(store, root, 16_384);
    const ann = await loggedIn(store, 'ann', opened);
    const before = await settledMemoryBytes(gc);
    for (let i = 0; i < REQUESTS; i++) {
      // Distinct bytes each time: nothing to share, nothing a cache could dedupe.
      const notices = Array.from({ length: NOTICES }, (_, n) => new Uint8Array(NOTICE_BYTES).fill((i * NOTICES + n) % 251));
      const reply = await ann.request({ t: 'seat.notices', notices });
      expect(reply.t).toBe('seat.charges');
    }
    const grownBytes = (await settledMemoryBytes(gc)) - before;
    expect(grownBytes, `${(grownBytes / 2 ** 20).toFixed(1)} MiB retained`).toBeLessThan(16 * 1024 * 1024);
  } finally {
    for (const t of opened) t.client.end(true);
    await store.close();
    await rm(root, { recursive: true, force: true });
  }
}, 120_000);
