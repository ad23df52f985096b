/**
 * Run as a child process by redis.test.ts: starts a Redis, prints its port, then ends the way
 * argv[2] says — `exit` (process.exit without stopping it) or `sigterm` (killed by a signal) —
 * so the test can check that no redis-server outlives its owner.
 */
import { startRedis } from '../../../../sim/servers/redis.js';

const redis = await startRedis();
process.stdout.write(`${redis.port}\n`);
if (process.argv[2] === 'sigterm') {
  process.kill(process.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 10_000)); // never reached: the signal ends the process
}
process.exit(0);
