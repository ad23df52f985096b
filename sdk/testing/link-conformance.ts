/**
 * The Link conformance suite [FW-11.2]: every behaviour the SDK relies on, one test each.
 * The test drives the far end of each connection itself, standing in for the broker.
 */
import { describe, expect, it } from 'vitest';
import type { Link, LinkConnection } from '../hal/link.js';
import { ascii, concatBytes, firstDifference, patternBytes } from './bytes.js';
import { expectRejection } from './expect-error.js';

/** The broker's end of a connection, as the test drives it. */
export interface LinkPeer extends LinkConnection {
  /** Aborts the connection, so the terminal sees link-reset (a TCP RST, a dropped modem socket). */
  reset(): Promise<void>;
}

export interface LinkFixture {
  /** The link under test; every connect() must reach the far end that accept() hands out. */
  link: Link;
  /** The far end of the next connection the link opens, in the order they were opened. */
  accept(): Promise<LinkPeer>;
  /** A link of the same kind whose connect() finds nothing listening. */
  unreachable: Link;
  /** Releases what the fixture holds (a server, sockets). Runs after each test. */
  cleanup?: () => Promise<void>;
}

export type LinkFactory = () => Promise<LinkFixture>;

/** Both ends of one open connection. */
interface ConnectionPair {
  terminal: LinkConnection;
  peer: LinkPeer;
}

interface LinkSession {
  open(): Promise<ConnectionPair>;
  fixture: LinkFixture;
}

const TIMEOUT_MS = 20_000;
const ONE_MIB = 1 << 20;

export function describeLinkConformance(make: LinkFactory, suiteName = 'Link conformance'): void {
  /** Runs a test body with a fresh fixture; closes every connection it opened and releases it. */
  const withLink = (body: (session: LinkSession) => Promise<void>) => async () => {
    const fixture = await make();
    const opened: LinkConnection[] = [];
    const session: LinkSession = {
      fixture,
      async open() {
        const terminal = await fixture.link.connect();
        opened.push(terminal);
        const peer = await fixture.accept();
        opened.push(peer);
        return { terminal, peer };
      },
    };
    try {
      await body(session);
    } finally {
      await Promise.all(opened.map((end) => end.close().catch(() => undefined)));
      await fixture.cleanup?.();
    }
  };

  describe(suiteName, { timeout: TIMEOUT_MS }, () => {
    it('delivers bytes from the terminal to the peer in order', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      for (const word of ['one', 'two', 'three']) await terminal.write(ascii(word));
      expect(await readAtLeast(peer, 11)).toEqual(ascii('onetwothree'));
    }));

    it('delivers bytes from the peer to the terminal in order', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      for (const word of ['one', 'two', 'three']) await peer.write(ascii(word));
      expect(await readAtLeast(terminal, 11)).toEqual(ascii('onetwothree'));
    }));

    it('delivers a 1 MiB write from the terminal complete, however it is split', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      const data = patternBytes(ONE_MIB, 1);
      // Read while writing: a transport may hold back the write until the far end drains.
      const [, received] = await Promise.all([terminal.write(data), readAtLeast(peer, data.length)]);
      expect(received.length).toBe(data.length);
      expect(firstDifference(received, data), 'index of the first wrong byte').toBe(-1);
    }));

    it('delivers a 1 MiB write from the peer complete, however it is split', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      const data = patternBytes(ONE_MIB, 2);
      const [, received] = await Promise.all([peer.write(data), readAtLeast(terminal, data.length)]);
      expect(received.length).toBe(data.length);
      expect(firstDifference(received, data), 'index of the first wrong byte').toBe(-1);
    }));

    it('lets the writer reuse its buffer once write() has resolved', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      const buffer = ascii('first');
      await terminal.write(buffer);
      buffer.set(ascii('XXXXX'));
      await terminal.write(ascii('!'));
      expect(await readAtLeast(peer, 6)).toEqual(ascii('first!'));
    }));

    it('delivers nothing for a zero-length write and keeps the stream open', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      await peer.write(new Uint8Array(0));
      await peer.write(ascii('x'));
      expect(await terminal.read()).toEqual(ascii('x'));
    }));

    it('drains the bytes sent before the peer closed cleanly, then resolves read() with null', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      await peer.write(ascii('bye'));
      await peer.close();
      expect(await readAtLeast(terminal, 3)).toEqual(ascii('bye'));
      expect(await terminal.read()).toBeNull();
    }));

    it('keeps resolving read() with null once the stream has ended', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      await peer.close();
      expect(await terminal.read()).toBeNull();
      expect(await terminal.read()).toBeNull();
    }));

    it('sends a clean end of stream to the peer on close()', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      await terminal.write(ascii('last'));
      await terminal.close();
      expect(await readAtLeast(peer, 4)).toEqual(ascii('last'));
      expect(await peer.read()).toBeNull();
    }));

    it('rejects a pending read with link-reset when the peer resets', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      const pending = terminal.read();
      await peer.reset();
      await expectRejection(() => pending, 'link-reset');
    }));

    it('rejects reads and writes with link-reset after the peer reset', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      await peer.reset();
      // The read is what notices the reset on some transports; the write must then know too.
      await expectRejection(() => terminal.read(), 'link-reset');
      await expectRejection(() => terminal.write(ascii('late')), 'link-reset');
    }));

    it('rejects a second concurrent read with invalid-argument and keeps the first', withLink(async (session) => {
      const { terminal, peer } = await session.open();
      const first = terminal.read();
      await expectRejection(() => terminal.read(), 'invalid-argument');
      await peer.write(ascii('hi'));
      expect(await first).toEqual(ascii('hi'));
    }));

    it('rejects a write after close() with closed', withLink(async (session) => {
      const { terminal } = await session.open();
      await terminal.close();
      await expectRejection(() => terminal.write(ascii('late')), 'closed');
    }));

    it('resolves a pending read with null on close(), and close() is idempotent', withLink(async (session) => {
      const { terminal } = await session.open();
      const pending = terminal.read();
      await terminal.close();
      await terminal.close();
      expect(await pending).toBeNull();
    }));

    it('opens an independent connection on each connect()', withLink(async (session) => {
      const first = await session.open();
      const second = await session.open();
      await first.peer.write(ascii('1'));
      await second.peer.write(ascii('2'));
      await second.terminal.write(ascii('b'));
      await first.terminal.write(ascii('a'));
      expect(await first.terminal.read()).toEqual(ascii('1'));
      expect(await second.terminal.read()).toEqual(ascii('2'));
      expect(await first.peer.read()).toEqual(ascii('a'));
      expect(await second.peer.read()).toEqual(ascii('b'));
    }));

    it('rejects connect() with link-reset or timeout when nothing is listening', withLink(async ({ fixture }) => {
      await expectRejection(() => fixture.unreachable.connect(), ['link-reset', 'timeout']);
    }));
  });
}

/**
 * Reads until at least `length` bytes have arrived or the stream ends. Returns everything read,
 * so a transport that delivers too much, too little or out of order fails the comparison.
 */
async function readAtLeast(connection: LinkConnection, length: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let received = 0;
  while (received < length) {
    const part = await connection.read();
    if (part === null) break;
    parts.push(part);
    received += part.length;
  }
  return concatBytes(parts);
}
