/**
 * Per-terminal bounds on the store's work [issue 12 §5]: a terminal that keeps sending without
 * waiting for answers is told `busy` (with a retry hint) once MAX_REQUESTS_IN_FLIGHT_PER_DEVICE
 * of its requests are unanswered — here because the database hangs, so they cannot finish —
 * and one that asks for chunk windows without reading them is told `busy` once
 * MAX_QUEUED_WINDOWS_PER_DEVICE wait. Other terminals are served meanwhile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { MAX_QUEUED_WINDOWS_PER_DEVICE } from '../../broker/handlers/chunks-get.js';
import type { StoreEvent } from '../../broker/service/store-context.js';
import { MAX_REQUESTS_IN_FLIGHT_PER_DEVICE } from '../../broker/service/store-service.js';
import { startStore, type RunningStore } from '../../broker/store.js';
import { encodeMessage, topicFor, type DownMessage } from '../../sdk/wire/index.js';
import { freshSchema, type FreshSchema } from '../support/pg-schema-url.js';
import { seed } from '../support/seed.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { credentialFor } from './cluster/raw-terminal.js';
import { connackCode } from './server/support/mqtt-clients.js';
import { loggedIn, signers, twoTerminalWorld } from './support/two-terminals.js';
import type { TestTerminal } from '../support/terminal-client.js';

const pgUrl = process.env.FAIRWAY_TEST_PG_URL;

describe(`per-terminal bounds (FAIRWAY_SEED=${seed})`, () => {
  it('answers chunk windows past the per-terminal queue `busy` while that terminal does not read, and keeps serving another', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fairway-bounds-windows-'));
    const events: { event: StoreEvent; code?: string }[] = [];
    const store = await startStore({ dataDir: join(root, 'data'), passwordParams: FAST_TEST_PARAMS, drainTimeoutMs: 30_000, onEvent: (event, labels) => events.push({ event, ...(labels?.['code'] ? { code: labels['code'] } : {}) }) });
    const opened: TestTerminal[] = [];
    try {
      await twoTerminalWorld(store, root, 16 * 1024 * 1024);
      const ann = await loggedIn(store, 'ann', opened);
      const offer = (await ann.request({ t: 'offer.get', part: 'epic-1' })) as Extract<DownMessage, { t: 'offer' }>;
      expect(offer.t).toBe('offer');
      // ann stops reading: the store's sends to her back up behind a full socket.
      (ann.client.stream as unknown as { pause(): void }).pause();
      const windows = MAX_QUEUED_WINDOWS_PER_DEVICE + 20;
      // QoS 0: a QoS 1 publish would wait for a PUBACK she no longer reads.
      for (let i = 0; i < windows; i++) {
        ann.client.publish(topicFor('hh-ann', 'chunks.get'), Buffer.from(encodeMessage({ v: 1, t: 'chunks.get', rid: 1_000 + i, transfer: offer.transfer, ranges: [[(i * 32) % 1024, 32]] })), { qos: 0 });
      }
      const deadline = Date.now() + 10_000;
      while (events.filter((e) => e.code === 'busy').length < windows - MAX_QUEUED_WINDOWS_PER_DEVICE - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // At most the cap waits (one may have left the queue for the socket); the rest were refused.
      expect(events.filter((e) => e.code === 'busy').length).toBeGreaterThanOrEqual(windows - MAX_QUEUED_WINDOWS_PER_DEVICE - 1);
      expect(store.service.chunksWaiting).toBeLessThanOrEqual(MAX_QUEUED_WINDOWS_PER_DEVICE * 32);
      // Another terminal is served meanwhile.
      const bob = await loggedIn(store, 'bob', opened);
      expect((await bob.request({ t: 'menu.get' })).t).toBe('menu');
    } finally {
      for (const t of opened) t.client.end(true); // forced: ann reads nothing any more
      await store.close();
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it.skipIf(!pgUrl)('answers a connect storm at once: CONNECTs past the admission bound hear CONNACK 3 while the first ones wait on a hung database', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fairway-bounds-admission-'));
    const schema = await freshSchema(pgUrl!);
    const target = new URL(pgUrl!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const store = await startStore({ dataDir: join(root, 'data'), databaseUrl: schema.url({ host: '127.0.0.1', port: proxy.port }), passwordParams: FAST_TEST_PARAMS, maxPendingConnects: 4, logger: pino({ level: 'silent' }) });
    try {
      await twoTerminalWorld(store, root, 1024);
      proxy.freeze(); // the terminal directory (in the database) no longer answers
      const url = `mqtt://127.0.0.1:${store.broker.ports.tcp}`;
      const started = Date.now();
      const answers = Array.from({ length: 10 }, async () => {
        const password = Buffer.from(await credentialFor('hh-bob', signers['hh-bob']));
        const code = await connackCode(url, { clientId: 'hh-bob', username: 'hh-bob', password, protocolVersion: 4, clean: true }).catch(() => -1);
        return { code, ms: Date.now() - started };
      });
      // Six are refused at once; four wait on the database until the relay is cut.
      const allAnswered = await Promise.race([Promise.all(answers).then(() => 'all answered'), new Promise((r) => setTimeout(() => r('some still waiting'), 1_500))]);
      expect(allAnswered).toBe('some still waiting');
      await proxy.cut();
      const codes = await Promise.all(answers);
      const refusedAtOnce = codes.filter((c) => c.code === 3 && c.ms < 1_500);
      expect(refusedAtOnce.length, JSON.stringify(codes)).toBe(6);
      expect(codes.every((c) => c.code === 3), JSON.stringify(codes)).toBe(true);
    } finally {
      await store.close();
      await proxy.close();
      await schema.drop();
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  describe.skipIf(!pgUrl)('with a database that hangs', () => {
    let schema: FreshSchema;
    let proxy: TcpProxy;
    let store: RunningStore;
    let root: string;
    const opened: TestTerminal[] = [];
    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'fairway-bounds-requests-'));
      schema = await freshSchema(pgUrl!);
      const target = new URL(pgUrl!);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      store = await startStore({ dataDir: join(root, 'data'), databaseUrl: schema.url({ host: '127.0.0.1', port: proxy.port }), passwordParams: FAST_TEST_PARAMS, logger: pino({ level: 'silent' }) });
      await twoTerminalWorld(store, root, 64 * 1024);
    }, 60_000);
    afterAll(async () => {
      for (const t of opened) await t.close().catch(() => undefined);
      await proxy?.cut(); // the hung requests fail, so the store can close
      await store?.close();
      await proxy?.close();
      await schema?.drop();
      await rm(root, { recursive: true, force: true });
    }, 60_000);

    it(`answers a terminal's requests past ${MAX_REQUESTS_IN_FLIGHT_PER_DEVICE} unanswered ones \`busy\` at once, with a retry hint`, async () => {
      const ann = await loggedIn(store, 'ann', opened);
      proxy.freeze();
      const sent = MAX_REQUESTS_IN_FLIGHT_PER_DEVICE + 8;
      const replies: Promise<DownMessage>[] = [];
      for (let i = 0; i < sent; i++) replies.push(ann.request({ t: 'offer.get', part: 'epic-1' }, 2_000 + i, 5_000).catch(() => ({ v: 1, t: 'error', code: 'internal', message: 'no reply' }) as DownMessage));
      const answered = await Promise.all(replies.slice(MAX_REQUESTS_IN_FLIGHT_PER_DEVICE));
      for (const reply of answered) expect(reply, JSON.stringify(reply)).toMatchObject({ t: 'error', code: 'busy', retryAfterMs: expect.any(Number) });
    });
  });
});
