import { describe, expect, it } from 'vitest';
import { ScriptedLink } from '../../sdk/testing/mocks/index.js';
import { describeLinkConformance } from '../../sdk/testing/index.js';
import { expectRejection } from '../../sdk/testing/expect-error.js';

describeLinkConformance(async () => {
  const link = new ScriptedLink();
  const unreachable = new ScriptedLink();
  unreachable.refuseConnections();
  return { link, accept: () => link.accept(), unreachable };
});

describe('ScriptedLink', () => {
  it('splits reads at maxReadBytes', async () => {
    const link = new ScriptedLink({ maxReadBytes: 4 });
    const terminal = await link.connect();
    const peer = await link.accept();
    await peer.write(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(await terminal.read()).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(await terminal.read()).toEqual(Uint8Array.of(5, 6));
  });

  it('refuses connections with the failure asked for, until told to accept again', async () => {
    const link = new ScriptedLink();
    link.refuseConnections('timeout');
    await expectRejection(() => link.connect(), 'timeout');
    link.acceptConnections();
    const terminal = await link.connect();
    const peer = await link.accept();
    await terminal.write(Uint8Array.of(7));
    expect(await peer.read()).toEqual(Uint8Array.of(7));
  });

  it('hands out a far end to an accept() that was waiting before connect()', async () => {
    const link = new ScriptedLink();
    const accepted = link.accept();
    const terminal = await link.connect();
    await terminal.write(Uint8Array.of(1));
    expect(await (await accepted).read()).toEqual(Uint8Array.of(1));
  });
});
