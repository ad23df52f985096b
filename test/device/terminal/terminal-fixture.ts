/**
 * Terminals for runtime tests: the real runtime over the Node link to a real in-process
 * store, flash in memory (so a "new" terminal can power up on the same flash), fast
 * back-off and timeouts so faults resolve in milliseconds, and a log of what each saw.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adjustBalance } from '../../../broker/ledger/adjust.js';
import { CartridgeExecutor } from '../../../device/ports/node/cartridge/index.js';
import { SystemClock, TcpLink, type NodeSigner } from '../../../device/ports/node/index.js';
import { createTerminal, type Terminal, type TerminalConfig } from '../../../device/terminal.js';
import type { Link } from '../../../sdk/hal/link.js';
import type { Storage } from '../../../sdk/hal/storage.js';
import { seededRandomSource } from '../../../sdk/testing/mocks/index.js';
import { crypto } from '../../support/keys.js';
import type { TestStore } from '../../support/store-fixture.js';

export interface TerminalLog {
  states: string[];
  stored: Map<string, Set<number>>;
  received: Map<string, number[]>;
  played: string[];
}

export function watch(terminal: Terminal): TerminalLog {
  const log: TerminalLog = { states: [], stored: new Map(), received: new Map(), played: [] };
  terminal.on('state', (s) => {
    if (log.states[log.states.length - 1] !== s.state) log.states.push(s.state);
  });
  terminal.on('chunk', (c) => {
    if (!log.received.has(c.part)) log.received.set(c.part, []);
    log.received.get(c.part)!.push(c.index);
    if (c.outcome === 'stored') {
      if (!log.stored.has(c.part)) log.stored.set(c.part, new Set());
      log.stored.get(c.part)!.add(c.index);
    }
  });
  terminal.on('played', (p) => log.played.push(p.part));
  return log;
}

/** One sandbox for every terminal of a test file (plays run one at a time on its worker). */
let sharedExecutor: CartridgeExecutor | null = null;
export function sharedCartridgeExecutor(): CartridgeExecutor {
  return (sharedExecutor ??= new CartridgeExecutor());
}
export async function closeSharedExecutor(): Promise<void> {
  await sharedExecutor?.close();
  sharedExecutor = null;
}

/** `link` replaces the TCP link to the store (a terminal with no store in reach, say). */
export function fastTerminal(store: TestStore, storage: Storage, device: { id: string; user: string; password: string; signer: NodeSigner }, extra: Partial<TerminalConfig> = {}, link?: Link): Terminal {
  return createTerminal(
    { storage, link: link ?? new TcpLink('127.0.0.1', store.port, { connectTimeoutMs: 2_000 }), crypto, clock: new SystemClock(), signer: device.signer },
    {
      deviceId: device.id,
      user: device.user,
      password: device.password,
      storePublicKey: store.storePublicKey,
      executor: sharedCartridgeExecutor(),
      playSeed: () => 1,
      reconnectBackoff: { baseMs: 10, capMs: 100 },
      requestResend: { firstMs: 1_000, capMs: 2_000, jitter: 0.2 },
      faultRetryMs: 50,
      ...extra,
    },
  );
}

/** A one-part title of random bytes (it is downloaded and charged, never played). */
export async function writeRawTitle(dir: string, id: string, sizeBytes: number, chunkBytes: number, seed: number, price = 100): Promise<Uint8Array> {
  await mkdir(dir, { recursive: true });
  const bytes = seededRandomSource(seed)(sizeBytes);
  await writeFile(join(dir, 'title.yaml'), `id: ${id}\nname: ${id}\nprovider: QA\ncategory: demo\nchunkBytes: ${chunkBytes}\nparts:\n  - { id: ${id}-p1, file: p1, price: ${price} }\n`);
  await writeFile(join(dir, 'p1'), bytes);
  return bytes;
}

let deviceCounter = 0;
/** A fresh user with credit and an enrolled device, so cases share a store but not a wallet. */
export async function freshDevice(store: TestStore, creditMinor: number): Promise<{ id: string; user: string; password: string; signer: NodeSigner }> {
  deviceCounter++;
  const user = `qa-${deviceCounter}`;
  const id = `hh-qa-${deviceCounter}`;
  await store.addUser(user, 'pw-123456');
  const signer = await store.enrol(id, user);
  if (creditMinor > 0) await adjustBalance(store.store.ledger, { userId: user, amountMinor: creditMinor, reason: 'test credit', actor: 'test', nowMs: Date.now() });
  return { id, user, password: 'pw-123456', signer };
}
