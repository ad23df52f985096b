/**
 * ScriptedLink: an in-memory Link whose far ends the test (or the simulator's broker) drives.
 * Each connect() makes a connected pair of ScriptedConnections; accept() hands out the far ends
 * in connect order. Connections can be refused to model a broker out of reach.
 */
import { FairwayError } from '../../errors.js';
import type { Link, LinkConnection } from '../../hal/link.js';
import { BytePipe } from './byte-pipe.js';
import { ScriptedConnection } from './scripted-connection.js';

export interface ScriptedLinkOptions {
  /** The most one read() returns; larger writes arrive split. Default 64 KiB. */
  maxReadBytes?: number;
}

export type ConnectFailure = 'link-reset' | 'timeout';

export class ScriptedLink implements Link {
  private readonly maxReadBytes: number;
  private readonly unaccepted: ScriptedConnection[] = [];
  private readonly acceptors: ((farEnd: ScriptedConnection) => void)[] = [];
  private refusal: ConnectFailure | undefined;

  constructor(options: ScriptedLinkOptions = {}) {
    this.maxReadBytes = options.maxReadBytes ?? 64 * 1024;
    if (!Number.isSafeInteger(this.maxReadBytes) || this.maxReadBytes < 1) {
      throw new FairwayError('invalid-argument', `maxReadBytes must be a positive integer, got ${this.maxReadBytes}`);
    }
  }

  async connect(): Promise<LinkConnection> {
    if (this.refusal) throw new FairwayError(this.refusal, 'the scripted link refuses connections');
    const toTerminal = new BytePipe(this.maxReadBytes);
    const toFarEnd = new BytePipe(this.maxReadBytes);
    const farEnd = new ScriptedConnection(toFarEnd, toTerminal);
    const acceptor = this.acceptors.shift();
    if (acceptor) acceptor(farEnd);
    else this.unaccepted.push(farEnd);
    return new ScriptedConnection(toTerminal, toFarEnd);
  }

  /** The far end of the next connection, waiting for one to be opened if need be. */
  accept(): Promise<ScriptedConnection> {
    const farEnd = this.unaccepted.shift();
    if (farEnd) return Promise.resolve(farEnd);
    return new Promise((resolve) => this.acceptors.push(resolve));
  }

  /** From now on connect() rejects with `failure`, as when the broker is out of reach. */
  refuseConnections(failure: ConnectFailure = 'link-reset'): void {
    this.refusal = failure;
  }

  acceptConnections(): void {
    this.refusal = undefined;
  }
}
