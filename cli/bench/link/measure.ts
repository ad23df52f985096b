/**
 * One download measured in a world of its own: the real terminal runtime, or the stop-and-wait
 * baseline, fetching one part of seeded bytes from the real store over one RadioLink, timed
 * from its first chunks.get to its last chunk (stored, for the terminal; arrived, for the
 * baseline), with the link's counters over that span.
 */
import type { RadioProfile } from '../../../sim/hal/index.js';
import { BenchTerminal } from './bench-terminal.js';
import { writeRawTitle } from './raw-title.js';
import { SimWorld } from './sim-world.js';
import { StopAndWaitClient } from './stop-and-wait.js';
import { UpGoodMeter } from './up-good-meter.js';

export interface DownloadMeasurement {
  sizeBytes: number;
  chunkBytes: number;
  /** First chunks.get to last chunk, virtual ms. */
  downloadMs: number;
  /** Bytes that crossed the downlink during the download (chunk payload plus every header). */
  downlinkBytes: number;
  /** Time a connection was open during the download. */
  upTimeMs: number;
  /** Of that, time the channel was good: what the link could carry. */
  goodUpTimeMs: number;
  drops: number;
  stalls: number;
  /** The terminal's largest window (chunks in flight); 1 for the baseline. */
  windowChunksMax: number;
  /** Chunks asked for more than once, and copies that arrived after the chunk was stored (0 for the baseline). */
  resentChunks: number;
  duplicateChunks: number;
  /** Real milliseconds the measurement took, for the log. */
  wallMs: number;
}

/** Generous virtual-time limits: a run that needs more is stuck, and says so. */
const SETUP_LIMIT_MS = 10 * 60_000;

export type Downloader = 'terminal' | 'stop-and-wait';

export async function measureDownload(downloader: Downloader, profile: RadioProfile, sizeBytes: number, chunkBytes: number, seed: number): Promise<DownloadMeasurement> {
  const wallStart = performance.now();
  const world = await SimWorld.start(seed);
  try {
    const title = await writeRawTitle(world.folder('part'), 'bench-part', sizeBytes, chunkBytes, seed);
    await world.importTitles(world.folder('part'));
    const device = await world.device(profile, sizeBytes + 4 * 1024 * 1024);
    const meter = new UpGoodMeter(device.link, world.time, device.radioOriginMs);
    // A generous ceiling: ten times the stop-and-wait time at a 1 s round trip.
    const downloadLimitMs = Math.max(SETUP_LIMIT_MS, 10 * Math.ceil(sizeBytes / chunkBytes) * 1_000);
    let firstRequestMs: number;
    let lastChunkMs: number;
    let windowChunksMax = 1;
    let resentChunks = 0;
    let duplicateChunks = 0;
    let before = device.link.stats();
    let after = before;
    if (downloader === 'terminal') {
      const terminal = await BenchTerminal.start(world, device);
      await terminal.buyWhenMenuShows(title.title, false, SETUP_LIMIT_MS);
      await terminal.runUntil(() => terminal.parts.has(title.part), SETUP_LIMIT_MS, 'waiting for the first chunks.get');
      meter.start();
      before = device.link.stats();
      await terminal.runUntil(() => terminal.times(title.part).lastChunkMs !== null, downloadLimitMs, `downloading ${sizeBytes} bytes`);
      meter.stop();
      after = device.link.stats();
      const times = terminal.times(title.part);
      firstRequestMs = times.firstRequestMs;
      lastChunkMs = times.lastChunkMs as number;
      windowChunksMax = times.windowChunksMax;
      resentChunks = times.resentChunks;
      duplicateChunks = times.duplicateChunks;
      await terminal.powerOff();
    } else {
      const client = await world.settle(StopAndWaitClient.connect(device), SETUP_LIMIT_MS, 'baseline connecting');
      const transfer = await world.settle(client.offer(title.part), SETUP_LIMIT_MS, 'baseline offer');
      meter.start();
      before = device.link.stats();
      const times = await world.settle(client.fetchAll(transfer, Math.ceil(sizeBytes / chunkBytes)), downloadLimitMs, `baseline downloading ${sizeBytes} bytes`);
      meter.stop();
      after = device.link.stats();
      firstRequestMs = times.firstRequestMs;
      lastChunkMs = times.lastChunkMs;
      resentChunks = times.reRequests;
      await world.settle(client.close(), SETUP_LIMIT_MS, 'baseline closing');
    }
    return {
      sizeBytes,
      chunkBytes,
      downloadMs: lastChunkMs - firstRequestMs,
      downlinkBytes: after.downlinkBytes - before.downlinkBytes,
      upTimeMs: meter.upTimeMs,
      goodUpTimeMs: meter.goodUpTimeMs,
      drops: after.drops - before.drops,
      stalls: after.stalls - before.stalls,
      windowChunksMax,
      resentChunks,
      duplicateChunks,
      wallMs: performance.now() - wallStart,
    };
  } finally {
    await world.close();
  }
}
