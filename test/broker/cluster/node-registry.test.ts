/**
 * The store_nodes rows behind `fairway store nodes`: written at start and on every beat, live
 * while the heartbeat is fresh, gone once it is stale or the node stopped; a node id another
 * live process holds is refused, a dead process's row is taken over.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../../broker/db/index.js';
import { listNodes, NodeIdInUseError, NodeRegistry } from '../../../broker/cluster/node-registry.js';
import { sqliteFactory } from '../db/test-databases.js';

const factory = sqliteFactory();
afterAll(() => factory.cleanup());
const idle = { connections: 0, transfersInFlight: 0, clockSkewMs: 0 };

async function freshDb() {
  const handle = (await factory.openFresh()).open();
  await migrateToLatest(handle);
  return handle.db;
}

describe('node registry', () => {
  it('registers starting, turns ready with the real port, and reports each beat', async () => {
    const db = await freshDb();
    let now = 1_000_000;
    const registry = new NodeRegistry({ db, nodeId: 'n1', mqttPort: 0, metricsPort: 9464, nowMs: () => now, heartbeatMs: 1_000 });
    await registry.register(idle);
    expect(await listNodes(db, now, 1_000)).toMatchObject([{ nodeId: 'n1', state: 'starting', status: 'live', mqttPort: 0, metricsPort: 9464 }]);
    await registry.setState('ready', idle, 1883);
    now += 900;
    await registry.beat({ connections: 12, transfersInFlight: 3, clockSkewMs: -41.6 });
    expect(await listNodes(db, now + 100, 1_000)).toMatchObject([
      { nodeId: 'n1', state: 'ready', status: 'live', mqttPort: 1883, connections: 12, transfersInFlight: 3, clockSkewMs: -42, ageMs: 1_000, heartbeatAgeMs: 100, pid: process.pid },
    ]);
  });

  it('calls a node gone after three missed heartbeats, or at once when it stopped', async () => {
    const db = await freshDb();
    const now = 5_000_000;
    const a = new NodeRegistry({ db, nodeId: 'a', mqttPort: 1, nowMs: () => now, heartbeatMs: 1_000, host: 'host-a' });
    const b = new NodeRegistry({ db, nodeId: 'b', mqttPort: 2, nowMs: () => now, heartbeatMs: 1_000, host: 'host-b' });
    const c = new NodeRegistry({ db, nodeId: 'c', mqttPort: 3, nowMs: () => now, heartbeatMs: 1_000, host: 'host-c' });
    await Promise.all([a.register(idle), b.register(idle), c.register(idle)]);
    await c.setState('stopped', idle);
    const later = await listNodes(db, now + 2_999, 1_000);
    expect(later.map((n) => [n.nodeId, n.status])).toEqual([
      ['a', 'live'],
      ['b', 'live'],
      ['c', 'gone'],
    ]);
    expect((await listNodes(db, now + 3_000, 1_000)).map((n) => n.status)).toEqual(['gone', 'gone', 'gone']);
  });

  it('refuses an id a live node of another host holds, and takes over the row of a process that died here', async () => {
    const db = await freshDb();
    const now = 9_000_000;
    await new NodeRegistry({ db, nodeId: 'shared', mqttPort: 1, nowMs: () => now, host: 'elsewhere', pid: 4242 }).register(idle);
    await expect(new NodeRegistry({ db, nodeId: 'shared', mqttPort: 1, nowMs: () => now + 1_000 }).register(idle)).rejects.toBeInstanceOf(NodeIdInUseError);

    // A live process on this host (this one, seen as another registry) also holds its id…
    await new NodeRegistry({ db, nodeId: 'here', mqttPort: 1, nowMs: () => now, pid: process.ppid }).register(idle);
    await expect(new NodeRegistry({ db, nodeId: 'here', mqttPort: 1, nowMs: () => now }).register(idle)).rejects.toThrow(/node id "here" is in use/);

    // …but a crashed one (no such pid) does not: its restart takes the row over.
    await new NodeRegistry({ db, nodeId: 'crashed', mqttPort: 1, nowMs: () => now, pid: 2 ** 22 + 7 }).register(idle);
    await new NodeRegistry({ db, nodeId: 'crashed', mqttPort: 1, nowMs: () => now }).register(idle);
    expect((await listNodes(db, now)).find((n) => n.nodeId === 'crashed')).toMatchObject({ pid: process.pid, status: 'live' });

    // A stale row is anyone's.
    await new NodeRegistry({ db, nodeId: 'shared', mqttPort: 1, nowMs: () => now + 60_000 }).register(idle);
  });
});
