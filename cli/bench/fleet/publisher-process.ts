/**
 * The bench's handle on the raw pub/sub yardstick's publisher process (publisher-host.ts):
 * fork it with the broker's port and a number of clients, wait until they are all connected,
 * then start and stop publishing and read its CPU like a broker host's.
 */
import { FairwayError } from '../../../sdk/errors.js';
import { HostProcess } from './host-process.js';
import { MOST_PUBLISHER_CLIENTS } from './host-protocol.js';

const ENTRY = new URL('./publisher-entry.mjs', import.meta.url).pathname;

/**
 * Publisher clients by default: 4. A few rather than one, so that no single socket's TCP
 * window or write callback paces the whole yardstick, and aedes always has another client's
 * parsed PUBLISH to deliver; few against the 100 subscribers, so the broker's per-connection
 * work is the subscribers', as it is the terminals' on the store side. They share one process,
 * so at most one core whatever their number: more add sockets, not CPU. Measured here with
 * 1, 2, 4, 8 and 16 clients (2 cores, loaded): the broker's CPU per delivered MB stayed within
 * the noise (1.5–2.5 ms/MB) and the publishers used 0.1–0.35 cores, so the count does not
 * decide the figure; 4 is a middle that neither starves nor crowds aedes.
 */
export const DEFAULT_PUBLISHER_CLIENTS = 4;

export class PublisherHost extends HostProcess {
  /** Forks the publisher process; resolves once its `clients` are connected to 127.0.0.1:`brokerPort`. */
  static async start(brokerPort: number, clients: number = DEFAULT_PUBLISHER_CLIENTS): Promise<PublisherHost> {
    if (!Number.isSafeInteger(brokerPort) || brokerPort < 1 || brokerPort > 65_535) throw new FairwayError('invalid-argument', `brokerPort must be a TCP port, not ${brokerPort}`, 'brokerPort');
    if (!Number.isSafeInteger(clients) || clients < 1 || clients > MOST_PUBLISHER_CLIENTS) {
      throw new FairwayError('invalid-argument', `clients must be a whole number in 1–${MOST_PUBLISHER_CLIENTS}, not ${clients}`, 'clients');
    }
    const name = 'publisher host';
    const { child, port } = await HostProcess.fork(ENTRY, [String(brokerPort), String(clients)], [], name);
    return new PublisherHost(child, port, name);
  }
}
