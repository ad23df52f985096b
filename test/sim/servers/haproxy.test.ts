/**
 * The HAProxy harness against a real haproxy in front of two stand-in nodes: a connection
 * goes to a ready node, a node whose /readyz answers 503 gets no new connections (while its
 * open ones stay), a reload changes the node list, and a missing binary is explained.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../../../sim/servers/harness-error.js';
import { startHaproxy, type HaproxyServer } from '../../../sim/servers/haproxy.js';
import { requireBinary } from '../../support/server-binaries.js';
import { startFakeNode, type FakeNode } from './support/fake-node.js';

const available = requireBinary('haproxy');

interface Opened {
  socket: Socket;
  /** The node that greeted this connection. */
  node: string;
}

/** Connects through HAProxy and reads the greeting line. */
function open(port: number): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('no greeting through haproxy')));
    socket.once('error', reject);
    socket.on('data', function onData(d: Buffer) {
      data += d.toString();
      const end = data.indexOf('\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      resolve({ socket, node: data.slice(0, end) });
    });
  });
}

/** Sends a line and waits for its echo: bytes still flow on this connection. */
function echoes(socket: Socket, line: string): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (d: Buffer) => resolve(d.toString()));
    socket.write(line);
  });
}

describe('binary missing', () => {
  it('says how to install haproxy', async () => {
    const failure = await startHaproxy({ binary: '/nonexistent/haproxy', backends: [{ port: 1, metricsPort: 2 }] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarnessError);
    expect(failure).toMatchObject({ code: 'binary-missing', message: expect.stringContaining('apt-get install haproxy') });
  });
});

describe.runIf(available)('with haproxy', () => {
  let a: FakeNode;
  let b: FakeNode;
  let proxy: HaproxyServer | undefined;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    a = await startFakeNode('a');
    b = await startFakeNode('b');
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await proxy?.stop();
    proxy = undefined;
    await a.close();
    await b.close();
  });

  const backends = (): Array<{ name: string; port: number; metricsPort: number }> => [a, b].map((n) => ({ name: n.name, port: n.port, metricsPort: n.metricsPort }));
  const openMany = async (count: number): Promise<string[]> => {
    const nodes: string[] = [];
    for (let i = 0; i < count; i++) {
      const opened = await open(proxy?.port ?? 0);
      sockets.push(opened.socket);
      nodes.push(opened.node);
    }
    return nodes;
  };
  /** Waits until HAProxy reports exactly these statuses (its checks run every 500 ms). */
  const waitForStates = async (want: Record<string, string>, timeoutMs = 5000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = Object.fromEntries((await proxy!.serverStates()).map((s) => [s.name, s.status]));
      if (JSON.stringify(states) === JSON.stringify(want)) return;
      if (Date.now() > deadline) throw new Error(`haproxy states ${JSON.stringify(states)}, wanted ${JSON.stringify(want)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('runs the generated config and sends connections only to the ready node', async () => {
    b.readyStatus = 503;
    proxy = await startHaproxy({ backends: backends() });
    expect(proxy.configText).toContain(`server a 127.0.0.1:${a.port} check port ${a.metricsPort} inter 500 fall 2 rise 2`);
    await waitForStates({ a: 'UP', b: 'DOWN' });
    expect(await openMany(6)).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
    expect(b.accepted).toBe(0);
  });

  it('stops sending new connections to a node whose /readyz turns 503, and keeps its open ones', async () => {
    proxy = await startHaproxy({ backends: backends() });
    await waitForStates({ a: 'UP', b: 'UP' });
    // leastconn with every connection held open: they alternate between the two nodes.
    const first = await openMany(4);
    expect(first.filter((n) => n === 'b')).toHaveLength(2);
    const onB = sockets.find((_, i) => first[i] === 'b');

    b.readyStatus = 503;
    await waitForStates({ a: 'UP', b: 'DOWN' });
    expect(await openMany(4)).toEqual(['a', 'a', 'a', 'a']);
    // A draining node's terminals are not cut by HAProxy: the node decides when they go.
    expect(await echoes(onB!, 'still here\n')).toBe('still here\n');

    b.readyStatus = 200;
    await waitForStates({ a: 'UP', b: 'UP' });
    expect(await openMany(1)).toEqual(['b']); // b has fewer connections now
  });

  it('reloads with a new node list', async () => {
    proxy = await startHaproxy({ backends: [{ name: 'a', port: a.port, metricsPort: a.metricsPort }] });
    await waitForStates({ a: 'UP' });
    expect(await openMany(2)).toEqual(['a', 'a']);
    await proxy.setServers([{ name: 'b', port: b.port, metricsPort: b.metricsPort }]);
    expect(proxy.configText).toContain(`server b 127.0.0.1:${b.port}`);
    expect(proxy.configText).not.toContain('server a ');
    await waitForStates({ b: 'UP' });
    expect(await openMany(2)).toEqual(['b', 'b']);
  });

  it('refuses to start on a port already taken, with haproxy\'s own words', async () => {
    proxy = await startHaproxy({ backends: backends() });
    const failure = await startHaproxy({ backends: backends(), port: proxy.port }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'start-failed', message: expect.stringMatching(/cannot bind|Address already in use/i) });
  });
});
