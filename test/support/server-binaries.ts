/**
 * Whether a server binary the cluster tests need is installed. Elsewhere its tests skip with
 * a loud notice; with CI set they fail instead (.ci/setup-cluster-tools.sh installs both).
 */
import { expect, it } from 'vitest';
import { hasBinary } from '../../sim/servers/find-binary.js';

export function requireBinary(name: 'redis-server' | 'haproxy' | 'mosquitto'): boolean {
  const available = hasBinary(name);
  if (!available && !process.env['CI']) {
    console.warn(`\n!!! ${name} not found: its tests are SKIPPED. Run ${setupScript(name)} !!!\n`);
  }
  if (!available && process.env['CI']) {
    it(`has ${name} installed on CI`, () => {
      expect.fail(`${name} is missing on CI: run ${setupScript(name)} before the tests`);
    });
  }
  return available;
}

function setupScript(name: string): string {
  return name === 'mosquitto' ? '.ci/setup-mosquitto.sh' : '.ci/setup-cluster-tools.sh';
}
