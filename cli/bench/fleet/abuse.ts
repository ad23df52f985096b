/**
 * Memory under abuse [issue 12 §5]: one logged-in terminal sends `requests` distinct requests
 * of the largest size a request may be (seat.notices of 64 junk notices of 4 KiB: 256 KiB),
 * one after another, each answered. The broker's RSS after forced GCs, before and after,
 * says whether anything of the requests stayed: the store keeps a digest and a small reply of
 * each, never the bytes (before it kept them all, for 10 minutes).
 */
import type { BenchTerminal } from './bench-terminal.js';
import type { BrokerHost } from './host-process.js';

const NOTICES = 64;
const NOTICE_BYTES = 4096;

export interface AbuseFigures {
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Request bytes the terminal sent. */
  sentBytes: number;
}

export async function measureAbuse(host: BrokerHost, terminal: BenchTerminal, requests: number): Promise<AbuseFigures> {
  const before = await host.memory();
  for (let i = 0; i < requests; i++) {
    const notices = Array.from({ length: NOTICES }, (_, n) => new Uint8Array(NOTICE_BYTES).fill((i * NOTICES + n) % 251));
    await terminal.seatNotices(notices);
  }
  const after = await host.memory();
  return { rssBeforeBytes: before.rssBytes, rssAfterBytes: after.rssBytes, sentBytes: requests * NOTICES * NOTICE_BYTES };
}
