/**
 * The terminal runtime end to end against a real `fairway store serve` process over TCP, set
 * up the way an operator would (users, terminals, cards and the catalog through the CLI):
 * log in, buy and play a 3-hole Super Golf with a prepaid top-up in the middle, each part
 * charged exactly once, and the device's storage back to its base after the last hole.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postingsOfUser } from '../../../broker/ledger/reports.js';
import { openStoreData } from '../../../broker/store-data.js';
import { CartridgeExecutor } from '../../../device/ports/node/cartridge/index.js';
import { createNodeHal, NodeSigner } from '../../../device/ports/node/index.js';
import { createTerminal, type Terminal } from '../../../device/terminal.js';
import { toHex } from '../../../sdk/vectors/json.js';
import { writeSuperGolf } from '../../../sim/catalog/index.js';

const run = promisify(execFile);
const BIN = new URL('../../../bin/fairway.js', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'fairway-e2e-'));
const data = join(root, 'store');
const fairway = (...args: string[]) => run(process.execPath, [BIN, 'store', ...args, '--data', data], { env: { ...process.env, FAIRWAY_PASSWORD: 'alice-pw' } });
let serve: ChildProcess;
let port = 0;
let storePublicKey: Uint8Array;
const deviceKey = NodeSigner.generate();
const cards: { id: string; password: string; value: number }[] = [];

beforeAll(async () => {
  const golf = await writeSuperGolf(join(root, 'titles'), { holes: 3, engineBytes: 70_000, holeBytes: 30_000, pricing: { rule: 'standard' }, seed: 7 });
  await fairway('users', 'add', 'alice');
  await fairway('terminals', 'enrol', 'hh-e2e', '--user', 'alice', '--public-key', toHex(deviceKey.publicKey));
  await fairway('catalog', 'import', golf.folder);
  for (const [i, value] of [600, 1000].entries()) {
    const out = join(root, `cards-${i}.csv`);
    await fairway('cards', 'issue', '--count', '1', '--value', String(value), '--out', out);
    const [, line] = (await readFile(out, 'utf8')).trim().split('\n');
    const [id, password] = (line as string).split(',');
    cards.push({ id: id as string, password: password as string, value });
  }
  const store = await openStoreData(data, { nowMs: Date.now() });
  storePublicKey = store.key.signer.publicKey;
  await store.close();

  serve = spawn(process.execPath, [BIN, 'store', 'serve', '--data', data, '--port', '0', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not report its port')), 30_000);
    createInterface({ input: serve.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; mqtt?: number };
      if (entry.msg === 'fairway store serving') {
        clearTimeout(timer);
        resolve(entry.mqtt!);
      }
    });
  });
}, 120_000);

afterAll(async () => {
  if (serve && serve.exitCode === null && serve.signalCode === null) {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
  }
  await rm(root, { recursive: true, force: true });
});

describe('a terminal against fairway store serve', () => {
  let terminal: Terminal;

  it('buys and plays a 3-hole title with a prepaid top-up in the middle, each hole charged once', async () => {
    const hal = await createNodeHal({ storageDir: join(root, 'flash'), capacityBytes: 2 * 1024 * 1024, host: '127.0.0.1', port, signer: deviceKey });
    const executor = new CartridgeExecutor();
    terminal = createTerminal(hal, { deviceId: 'hh-e2e', user: 'alice', password: 'alice-pw', storePublicKey, executor, playSeed: () => 42 });
    const states: string[] = [];
    const played: string[] = [];
    terminal.on('state', (s) => {
      if (states[states.length - 1] !== s.state) states.push(s.state);
    });
    terminal.on('played', (p) => played.push(p.part));
    await terminal.start();
    await terminal.waitFor((s) => s.state === 'menu.idle');
    expect(terminal.menu().map((t) => t.title)).toContain('super-golf');
    const baseUsage = terminal.storage().usage;

    terminal.redeemCard(cards[0]!.id, cards[0]!.password);
    await terminal.waitFor((s) => s.state === 'menu.idle' && s.context.balance === 600);

    terminal.buy('super-golf', { autoPlay: true });
    // 600 pays for hole 1 (500); hole 2 (450) finds 100: the terminal asks for credit.
    await terminal.waitFor((s) => s.state === 'title.needsCredit', 60_000);
    expect(terminal.snapshot().context.creditShort).toEqual({ balance: 100, price: 450 });
    terminal.redeemCard(cards[1]!.id, cards[1]!.password);
    const end = await terminal.waitFor((s) => s.state === 'menu.idle' && s.context.lastCharge?.part === 'golf-h03', 60_000);

    expect(played).toEqual(['golf-h01', 'golf-h02', 'golf-h03']);
    expect(end.context.balance).toBe(600 + 1000 - 500 - 450 - 400);
    expect(states).toContain('title.toppingUp');
    expect(states.indexOf('title.needsCredit')).toBeLessThan(states.lastIndexOf('title.finishing'));
    // Storage back to its base: no part left, nothing reserved.
    const after = terminal.storage();
    expect(after.parts).toEqual([]);
    expect(after.usage.reservedBytes).toBe(baseUsage.reservedBytes);
    expect(after.usage.usedBytes).toBe(baseUsage.usedBytes);
    await terminal.stop();
    await executor.close();
  }, 120_000);

  it('left exactly one charge per hole in the store ledger', async () => {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    const store = await openStoreData(data, { nowMs: Date.now() });
    try {
      const charges = (await postingsOfUser(store.ledger, 'alice')).filter((p) => p.kind === 'charge');
      expect(charges.map((c) => c.amountMinor).sort()).toEqual([-500, -450, -400].sort());
      expect(new Set(charges.map((c) => c.transferId)).size).toBe(3);
    } finally {
      await store.close();
    }
  });
});
