/**
 * CPU time of server processes the harness started, read from /proc (Linux): a bench weighs
 * PostgreSQL or Mosquitto by what they burned, not only by what they delivered.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture Debian ships. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Fields after the command name in /proc/<pid>/stat (the name is in parentheses and may hold spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
}

/** utime + stime (fields 14, 15 of stat), and with `reaped` cutime + cstime (16, 17): children it has waited for. */
function cpuTicks(pid: number, reaped: boolean): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  const at = (field: number) => Number(fields[field - 3] ?? 0);
  return at(14) + at(15) + (reaped ? at(16) + at(17) : 0);
}

/** CPU ms `pid` has used (user + system), with its reaped children's when `reaped`; 0 once it is gone. */
export function processCpuMs(pid: number, reaped = false): number {
  return cpuTicks(pid, reaped) * (1000 / CLOCK_TICKS_PER_SECOND);
}

/** Processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // Field 4 of stat is the parent.
    if (Number(statFields(Number(entry))?.[1]) === pid) children.push(Number(entry));
  }
  return children;
}
