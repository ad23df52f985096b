/**
 * The Link conformance kit against RadioLink. The far end is the broker's Duplex wrapped in the
 * Node port's SocketConnection — the same adapter the TCP link's tests use for an accepted socket,
 * since the broker end behaves as a socket does (pause/resume, end, destroy, resetAndDestroy).
 * The kit awaits without moving time, so a background driver keeps the SimClock running.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SocketConnection } from '../../../device/ports/node/index.js';
import { RadioLink, SimClock, SimRandom, resolveProfile } from '../../../sim/hal/index.js';
import { describeLinkConformance, type LinkPeer } from '../../../sdk/testing/index.js';
import { seed } from '../../support/seed.js';
import { driveInBackground } from './support/drive.js';

describeLinkConformance(async () => {
  const time = new SimClock();
  const driver = driveInBackground(time);
  const random = SimRandom.fromSeed(seed);
  const unaccepted: LinkPeer[] = [];
  const acceptors: ((peer: LinkPeer) => void)[] = [];
  const attach = (stream: Duplex): void => {
    const peer = new SocketConnection(stream as unknown as Socket);
    const acceptor = acceptors.shift();
    if (acceptor) acceptor(peer);
    else unaccepted.push(peer);
  };
  // A lively radio: jitter, stalls and a small buffer, so order and completeness are really tested.
  const profile = resolveProfile({ preset: '4g', latencyMsJitter: 20, badStateEnterProbability: 0.05, badStateExitProbability: 0.3, maxBufferedBytes: 16 * 1024 });
  const link = new RadioLink(profile, time, random.fork('link'), attach);
  const unreachable = new RadioLink(resolveProfile({ blackouts: [{ atMs: 0, durationMs: 1e12 }] }), time, random.fork('unreachable'), attach);
  return {
    link,
    unreachable,
    accept: () => {
      const peer = unaccepted.shift();
      return peer ? Promise.resolve(peer) : new Promise<LinkPeer>((resolve) => acceptors.push(resolve));
    },
    cleanup: () => driver.stop(),
  };
}, 'RadioLink: Link conformance');
