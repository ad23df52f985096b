/**
 * The scenario's broker restarts and power losses, set on the virtual clock before the run
 * starts. The draws come from the run's seed (one fork per terminal), so the same seed cuts
 * the same terminals at the same moments. What a cut or a restart does to the world is the
 * runner's: this file only says when.
 */
import type { SimClock } from '../hal/clock.js';
import type { SimRandom } from '../hal/random.js';
import type { Fault } from '../scenario/index.js';
import type { Trace } from './trace.js';

export interface FaultWorld {
  time: SimClock;
  random: SimRandom;
  trace: Trace;
  durationMs: number;
  /** Terminals a power-loss fault may hit, by id. */
  terminalIds: readonly string[];
  /** Stops the store (its clients see the broker go). */
  stopStore(): Promise<void>;
  startStore(): Promise<void>;
  /** The battery falls out of terminal `id`; then, `offMs` later, it boots again. */
  cutPower(id: string): void;
  restorePower(id: string): Promise<void>;
}

export function scheduleFaults(faults: readonly Fault[], world: FaultWorld): void {
  const { time, trace } = world;
  const note = (terminal: string, kind: string) => trace.record({ atMs: time.monotonicMs(), terminal, kind });
  const restart = () =>
    time.track(
      (async () => {
        await world.startStore();
        note('-', 'broker.start');
      })(),
    );
  for (const fault of faults) {
    if (fault.kind === 'broker-restart') {
      time.setTimer(fault.atMs, () => {
        note('-', 'broker.stop');
        const stopped = time.track(world.stopStore());
        // Down for durationMs, or straight back up once the old one has closed.
        if (fault.durationMs > 0) time.setTimer(fault.durationMs, () => void restart());
        else void stopped.then(restart, () => undefined);
      });
    } else if (fault.kind === 'power-loss') {
      const meanMs = 3_600_000 / fault.ratePerHour;
      const untilMs = fault.untilMs ?? world.durationMs;
      for (const id of world.terminalIds) {
        const rng = world.random.fork(`power/${id}`);
        const schedule = (fromMs: number) => {
          const atMs = fromMs + Math.round(rng.exponential(meanMs));
          if (atMs >= untilMs) return;
          time.setTimer(atMs - time.monotonicMs(), () => {
            note(id, 'power.cut');
            world.cutPower(id);
            time.setTimer(fault.offMs, () => {
              note(id, 'power.on');
              void time.track(world.restorePower(id));
              schedule(time.monotonicMs());
            });
          });
        };
        schedule(Math.max(fault.fromMs, 0));
      }
    }
  }
}
