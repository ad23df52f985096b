/**
 * The executor a simulated terminal plays with: the real sandboxed cartridge executor, made
 * to take virtual time (a hole lasts minutes of play) and to ask the simulated player whether
 * to go on. Every random draw is made when play starts, and the answer is released by a
 * virtual-clock timer set at that moment, so when the sandbox's worker thread answers in real
 * time cannot change the trace.
 */
import { bytesPartImage } from '../../device/executor/bytes-part-image.js';
import type { Executor, PartImage, PlayOutcome, PlayRequest } from '../../device/executor/executor.js';
import type { Clock } from '../../sdk/hal/clock.js';

export interface PlayerChoices {
  /** Virtual time a part takes to play. */
  playMs(): number;
  /** Whether the player buys the next part (drawn once per play). */
  goesOn(): boolean;
}

export function simExecutor(inner: Executor, clock: Clock, track: <T>(p: Promise<T>) => Promise<T>, choices: PlayerChoices): Executor {
  return {
    async play(request: PlayRequest): Promise<PlayOutcome> {
      const playMs = choices.playMs();
      const goesOn = choices.goesOn();
      // Read the images from (simulated) flash first: those reads take virtual time, which
      // cannot pass while the tracked sandbox work is pending.
      const debug = process.env.FAIRWAY_SIM_DEBUG === '1' ? (m: string) => process.stderr.write(`play ${request.part.part}: ${m}\n`) : () => undefined;
      debug('reading');
      const part = await inMemory(request.part);
      debug('read');
      const base = request.base ? await inMemory(request.base) : null;
      const played = track(inner.play({ ...request, part, base }));
      played.then(() => debug('played'), (e: unknown) => debug(`failed ${String(e)}`));
      played.catch(() => undefined);
      await new Promise<void>((resolve) => clock.setTimer(playMs, resolve));
      const outcome = await played;
      return { results: outcome.results, continue: outcome.continue && goesOn };
    },
  };
}

async function inMemory(image: PartImage): Promise<PartImage> {
  return bytesPartImage({ part: image.part, title: image.title, seq: image.seq }, await image.read(0, image.sizeBytes));
}
