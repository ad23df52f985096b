/** The host's dispatcher: one handler per message a peer sends [FW-14.1]. */
import type { PeerMessage } from '../../sdk/local/index.js';
import { handleChunksGet } from './host-chunks-get.js';
import type { HostConnectionState, HostContext } from './host-context.js';
import { handleJoin } from './host-join.js';
import { handleNotice } from './host-notice.js';

export function dispatchToHost(host: HostContext, conn: HostConnectionState, message: PeerMessage): Promise<void> {
  switch (message.t) {
    case 'join':
      return handleJoin(host, conn, message);
    case 'chunks.get':
      return handleChunksGet(host, conn, message);
    case 'notice':
      return handleNotice(host, conn, message);
  }
}
