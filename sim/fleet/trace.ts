/**
 * The event trace of a simulation: one line per thing that happened, in virtual time, in the
 * order it happened. Two runs with the same scenario and seed must produce the same lines;
 * `hash()` is what a test (and a QA lead chasing a flake) compares.
 */
import { createHash } from 'node:crypto';

export interface TraceEvent {
  atMs: number;
  terminal: string;
  kind: string;
  detail?: string;
}

export class Trace {
  private readonly hasher = createHash('sha256');
  private count = 0;
  /** The last lines, kept for a failure report; the hash covers every line. */
  readonly tail: string[] = [];

  constructor(
    private readonly keepLines = 2_000,
    /** Where each line also goes as it is recorded (FAIRWAY_SIM_TRACE=1 sends it to stderr). */
    private readonly echo: ((line: string) => void) | null = null,
  ) {}

  record(event: TraceEvent): void {
    const line = `${Number(event.atMs.toFixed(3))} ${event.terminal} ${event.kind}${event.detail ? ` ${event.detail}` : ''}`;
    this.hasher.update(`${line}\n`);
    this.count++;
    this.tail.push(line);
    this.echo?.(line);
    if (this.tail.length > this.keepLines) this.tail.shift();
  }

  get length(): number {
    return this.count;
  }

  hash(): string {
    return this.hasher.copy().digest('hex');
  }
}
