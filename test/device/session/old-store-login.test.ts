/**
 * A terminal that keeps resumption tickets, at a store that predates them [FW-4.2]: that store
 * refuses the unknown `wantTicket` field (`error` `bad-request`), and the session logs in with
 * the password alone on the same connection instead of failing. The "store" here is the real
 * broker with a hand-written handler answering as such a store does.
 */
import { afterEach, expect, it } from 'vitest';
import { StoreSession } from '../../../device/session/store-session.js';
import { SystemClock, TcpLink } from '../../../device/ports/node/index.js';
import { decodeMessage, encodeMessage, type UpMessage } from '../../../sdk/wire/index.js';
import { startBroker, waitUntil, type BrokerFixture } from '../../broker/server/support/broker-fixture.js';
import { crypto } from '../../support/keys.js';

let fx: BrokerFixture | undefined;
afterEach(() => fx?.close());

it('logs in with the password alone when the store answers wantTicket with bad-request', async () => {
  fx = await startBroker();
  const device = fx.enrol('hh-old');
  const logins: Extract<UpMessage, { t: 'login' }>[] = [];
  // The store before tickets: a login with a field it does not know is a bad request.
  const answered = new Set<number>();
  const serve = setInterval(() => {
    for (const [i, up] of fx!.up.entries()) {
      if (answered.has(i) || up.type !== 'login') continue;
      answered.add(i);
      const login = decodeMessage(up.payload, { direction: 'up', expect: 'login' }) as Extract<UpMessage, { t: 'login' }>;
      logins.push(login);
      const reply =
        login.wantTicket !== undefined || login.ticket !== undefined
          ? { v: 1 as const, t: 'error' as const, rid: login.rid, code: 'bad-request', message: 'unknown-field wantTicket' }
          : { v: 1 as const, t: 'login.ok' as const, rid: login.rid, user: login.user, balance: 0, currency: 'JPY' };
      void fx!.broker.publish('hh-old', reply.t, encodeMessage(reply), 1);
    }
  }, 5);
  let online = 0;
  const session = new StoreSession(
    { link: new TcpLink('127.0.0.1', fx.broker.ports.tcp, { connectTimeoutMs: 2_000 }), clock: new SystemClock(), crypto, signer: device.signer },
    { deviceId: 'hh-old', user: 'olga', password: 'olga-pw', backoff: { baseMs: 10, capMs: 50 } },
    {
      online: () => void online++,
      offline: () => undefined,
      refused: (reason, message) => {
        throw new Error(`refused: ${reason} ${message}`);
      },
      chunk: () => undefined,
      chunkReply: () => undefined,
    },
  );
  try {
    session.start();
    await waitUntil(() => online === 1, 5_000, 'the session online');
    expect(logins.map((l) => [l.password, l.wantTicket])).toEqual([
      ['olga-pw', true],
      ['olga-pw', undefined],
    ]);
    expect(session.stats).toMatchObject({ passwordLogins: 1, ticketLogins: 0 });
  } finally {
    clearInterval(serve);
    await session.stop();
  }
});
