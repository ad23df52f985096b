/**
 * `fairway bench terminal-memory`: does a terminal's memory stay flat in the size of the part
 * it streams? A real store runs in a child process (`fairway store serve`, so its heap is not
 * ours); this process runs only the terminal runtime, on file-backed flash, and streams a
 * 16 MiB and then a 64 MiB part. During each download the heap is sampled after a forced GC
 * every 2 MiB received; `heap_growth_bytes` is the largest retained growth over the baseline
 * taken just before the purchase, and `window_bytes_max` the largest window × chunk size the
 * downloader used. Flat means growth ≤ 2 × window_bytes_max, whatever the part size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { openStoreData } from '../../broker/store-data.js';
import { CartridgeExecutor } from '../../device/ports/node/cartridge/index.js';
import { createNodeHal, NodeCrypto, NodeSigner } from '../../device/ports/node/index.js';
import { createTerminal } from '../../device/terminal.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { round3, type Figure } from './format.js';

const MIB = 1024 * 1024;
const BIN = new URL('../../bin/fairway.js', import.meta.url).pathname;

function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function writePartTitle(dir: string, id: string, sizeBytes: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const random = seededRandomSource(sizeBytes);
  const file = join(dir, 'p1');
  // Written in pieces so the bench itself never holds the part in memory.
  await writeFile(file, new Uint8Array(0));
  for (let written = 0; written < sizeBytes; written += 4 * MIB) await appendFile(file, random(Math.min(4 * MIB, sizeBytes - written)));
  await writeFile(join(dir, 'title.yaml'), `id: ${id}\nname: ${id}\nprovider: Bench\ncategory: demo\nparts:\n  - { id: ${id}-p1, file: p1, price: 1 }\n`);
}

async function startServe(data: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, 'store', 'serve', '--data', data, '--port', '0', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('store serve did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`store serve exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; mqtt?: number };
        if (entry.msg === 'fairway store serving' && entry.mqtt) {
          clearTimeout(timer);
          resolve(entry.mqtt);
        }
      } catch {
        // not a log line
      }
    });
  });
  return { child, port };
}

interface Measured {
  heapGrowthBytes: number;
  windowBytesMax: number;
  mbPerS: number;
}

export async function benchTerminalMemory(): Promise<Figure[]> {
  const gc = forcedGc();
  const root = await mkdtemp(join(tmpdir(), 'fairway-bench-memory-'));
  const data = join(root, 'store');
  const signer = NodeSigner.generate();
  const sizes = [16 * MIB, 64 * MIB];
  let serve: ChildProcess | null = null;
  try {
    const store = await openStoreData(data, { nowMs: Date.now(), passwordParams: FAST_TEST_PARAMS });
    await addUser(store.database.db, { id: 'bench', password: 'bench-pw' }, Date.now(), FAST_TEST_PARAMS);
    await enrolTerminal(store.database.db, { deviceId: 'hh-bench', userId: 'bench', publicKey: signer.publicKey }, Date.now());
    await adjustBalance(store.ledger, { userId: 'bench', amountMinor: 100, reason: 'bench credit', actor: 'bench', nowMs: Date.now() });
    for (const size of sizes) {
      const folder = join(root, `part-${size / MIB}mib`);
      await writePartTitle(folder, `bench-${size / MIB}mib`, size);
      await saveTitle(store.database.db, await prepareTitle(folder, { content: store.content, crypto: new NodeCrypto(), storeSigner: store.key.signer, storeKid: store.key.kid }), folder, Date.now());
      await rm(join(folder, 'p1'));
    }
    const storePublicKey = store.key.signer.publicKey;
    await store.close();
    const started = await startServe(data);
    serve = started.child;

    const measured: Measured[] = [];
    for (const size of sizes) {
      const flash = join(root, `flash-${size / MIB}`);
      const hal = await createNodeHal({ storageDir: flash, capacityBytes: size + 4 * MIB, host: '127.0.0.1', port: started.port, signer });
      // Nothing is played here (the download stops at title.ready); the executor never starts its worker.
      const terminal = createTerminal(hal, { deviceId: 'hh-bench', user: 'bench', password: 'bench-pw', storePublicKey, executor: new CartridgeExecutor() });
      let windowBytesMax = 0;
      let nextSampleBytes = 0;
      let peak = 0;
      let baseline = 0;
      terminal.on('progress', (p) => {
        windowBytesMax = Math.max(windowBytesMax, p.windowChunks * p.chunkBytes);
        if (p.receivedBytes >= nextSampleBytes) {
          nextSampleBytes = p.receivedBytes + 2 * MIB;
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
        }
      });
      await terminal.start();
      await terminal.waitFor((s) => s.state === 'menu.idle', 30_000);
      gc();
      baseline = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      terminal.buy(`bench-${size / MIB}mib`);
      await terminal.waitFor((s) => s.state === 'title.ready' || s.state.startsWith('failed'), 600_000);
      const seconds = (performance.now() - t0) / 1000;
      const end = terminal.snapshot();
      if (end.state !== 'title.ready') throw new Error(`the download ended in ${end.state}: ${end.context.failure?.message ?? ''}`);
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      measured.push({ heapGrowthBytes: Math.max(0, peak), windowBytesMax, mbPerS: size / MIB / seconds });
      await terminal.stop();
      await hal.storage.close();
      await rm(flash, { recursive: true, force: true });
    }
    const [small, large] = measured as [Measured, Measured];
    return [
      { metric: 'heap_growth_bytes', value: Math.round(large.heapGrowthBytes), unit: 'bytes' },
      { metric: 'window_bytes_max', value: large.windowBytesMax, unit: 'bytes' },
      { metric: 'heap_growth_bytes_16mib', value: Math.round(small.heapGrowthBytes), unit: 'bytes' },
      { metric: 'growth_over_window_ratio', value: round3(large.heapGrowthBytes / Math.max(1, large.windowBytesMax)), unit: 'ratio' },
      { metric: 'download_mb_per_s', value: round3(large.mbPerS), unit: 'MiB/s' },
    ];
  } finally {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((r) => serve!.once('exit', r));
    }
    await rm(root, { recursive: true, force: true });
  }
}
