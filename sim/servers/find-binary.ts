/**
 * Finds a server executable without running a shell: an explicit path, else PATH, else the
 * sbin folders Debian installs daemons in (`/usr/sbin/haproxy` is not on a non-root PATH).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HarnessError } from './harness-error.js';

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The absolute path of `name`, or a HarnessError('binary-missing') that says how to install it.
 * `explicit` (a path from an option or environment variable) is used as given, or refused.
 */
export function findBinary(name: string, installHint: string, explicit?: string): string {
  if (explicit !== undefined) {
    if (isExecutableFile(explicit)) return explicit;
    throw new HarnessError('binary-missing', `${explicit} is not an executable file (${installHint})`);
  }
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d.length > 0), ...SBIN];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new HarnessError('binary-missing', `${name} not found on PATH or in ${SBIN.join(', ')}: ${installHint}`);
}

/** Whether `name` can be found (for tests that skip, or fail on CI, without it). */
export function hasBinary(name: string): boolean {
  try {
    findBinary(name, '');
    return true;
  } catch {
    return false;
  }
}
