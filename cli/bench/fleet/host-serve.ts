/**
 * The child side of the IPC channel between the fleet bench and a helper process it forks (the
 * broker host, the publisher host): announce what it serves, answer each request under its id,
 * exit once `close` has been answered, and exit as soon as the bench goes away, so a helper
 * never outlives a bench that crashed.
 */
import { FairwayError } from '../../../sdk/errors.js';
import type { HostReady, HostReply, HostRequest } from './host-protocol.js';

export type SendToBench = (message: HostReady | HostReply, sendHandle?: undefined, options?: object, callback?: (error: Error | null) => void) => boolean;

/** The channel to the bench; throws when this process was not forked with one. */
export function benchChannel(): SendToBench {
  const send = process.send?.bind(process);
  if (!send) throw new FairwayError('invalid-argument', 'a fleet bench host runs only as a forked child with an IPC channel');
  return send;
}

/** Says the host is ready on `port`, then answers requests with `answer` until told to close. */
export function serveBench(send: SendToBench, port: number, answer: (request: HostRequest) => Promise<unknown>): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: HostRequest) => {
    void answer(request).then(
      (result) => {
        const reply: HostReply = { id: request.id, ok: true, result };
        send(reply, undefined, {}, () => {
          if (request.op === 'close') process.exit(0);
        });
      },
      (error: unknown) => {
        const reply: HostReply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
        send(reply);
      },
    );
  });
  send({ ready: true, port });
}
