/**
 * CPU time another process has used, read from /proc/<pid>/stat (utime + stime, in clock
 * ticks): how the cluster bench weighs a `fairway store serve` child it did not write and
 * cannot ask. Linux only — the bench runs where the cluster's servers run.
 *
 * Ticks are 10 ms on every Linux this runs on (USER_HZ 100); `getconf CLK_TCK` is asked once
 * in case of another build. A 10 ms grain is fine for phases of seconds of CPU.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FairwayError } from '../../../sdk/errors.js';

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const answer = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(answer) && answer > 0 ? answer : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a /proc/<pid>/stat line, in ticks. */
export function parseStatTicks(stat: string): number {
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields count from the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new FairwayError('out-of-range', `not a /proc stat line: ${stat.slice(0, 80)}`);
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  // After the name: state is field 3, so utime (field 14) and stime (15) are at 11 and 12 here.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new FairwayError('out-of-range', `no utime/stime in /proc stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** CPU milliseconds (user + system) the process `pid` has used so far. */
export function processCpuMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    throw new FairwayError('not-found', `cannot read /proc/${pid}/stat (process gone, or not Linux): ${(error as Error).message}`);
  }
  return (parseStatTicks(stat) * 1000) / clockTicksPerSecond();
}
