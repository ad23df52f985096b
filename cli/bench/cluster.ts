/**
 * `fairway bench cluster` [issue 11, acceptance 8]: what a cluster costs, measured as costs —
 * CPU per MB, Redis round trips per terminal action, milliseconds of outage — because on a shared
 * two-core machine throughput says more about the neighbours than about the store.
 *
 * - `broker_cpu_ms_per_mb_single` / `_cluster` and `cluster_cpu_ratio`: the same streaming
 *   load (bare terminals fetching a part of a few MiB whole) on one `fairway store serve --db`
 *   without Redis and on n1 of a two-node cluster, both streamed to at once in every round
 *   (cluster/cpu-rounds.ts), each serve process's CPU read from /proc around the streaming
 *   only (cluster/stream-round.ts).
 *   Goal: ratio ≤ 1.10 — terminal traffic does not pay for the cluster.
 * - `redis_ops_per_connect` / `_per_charge`: Redis operations (round trips; a Lua script is one)
 *   the cluster made per terminal connect and login, and per purchase (offer, download,
 *   receipt → charge), on n1; `redis_commands_per_…` the same as Redis counts its work, a
 *   script's inner commands included (cluster/redis-phases.ts).
 * - `resume_after_node_kill_ms_p50` / `_p95`: real terminal runtimes streaming through HAProxy
 *   from a three-node cluster; a node is killed -9 under them; from the kill to each affected
 *   terminal's next verified chunk from another node, less its own reconnect back-off
 *   (cluster/resume-after-kill.ts). Goal: p95 ≤ 3,000 ms.
 * The conditions — sizes, rounds, PostgreSQL's fsync and synchronous_commit — are printed as
 * figures too, so a line of output says what it was measured under.
 *
 * PostgreSQL: FAIRWAY_BENCH_PG_URL, or else a durable throw-away server of the bench's own
 * (charges-postgres.ts, as the charges bench); each side on a schema of its own, dropped
 * afterwards. Redis and HAProxy are started from their binaries (sim/servers).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPostgres, type BenchPostgres } from './charges-postgres.js';
import { writeBenchWorld, CHUNK_BYTES } from './cluster/bench-world.js';
import { checkClusterOptions, clusterOptionsFromEnv, type ClusterBenchOptions } from './cluster/cluster-options.js';
import { startCostSides } from './cluster/cost-sides.js';
import { compareCpu } from './cluster/cpu-rounds.js';
import { RedisCallCounter } from './cluster/redis-calls.js';
import { measureRedisPhases } from './cluster/redis-phases.js';
import { measureResumeAfterKill } from './cluster/resume-after-kill.js';
import { percentile } from './cluster/resume-times.js';
import { round3, type Figure } from './format.js';

export type { ClusterBenchOptions } from './cluster/cluster-options.js';

function operations(calls: Map<string, number>, per: number): string {
  return [...calls].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${(n / per).toFixed(2)}`).join(', ');
}

export async function benchCluster(_durationMs: number, overrides: Partial<ClusterBenchOptions> = {}): Promise<Figure[]> {
  const o = checkClusterOptions({ ...clusterOptionsFromEnv(), ...overrides });
  const log = o.log;
  const root = await mkdtemp(join(tmpdir(), 'fairway-bench-cluster-'));
  let postgres: BenchPostgres | undefined;
  try {
    log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    postgres = await benchPostgres(o.postgresUrl);
    log(postgres.describe());
    const pgUrl = postgres.url;
    const world = await writeBenchWorld(root, Math.max(o.terminals, o.connects), o.partBytes);

    const sides = await startCostSides(pgUrl, world, log);
    let cpu: Awaited<ReturnType<typeof compareCpu>>;
    let redis: Awaited<ReturnType<typeof measureRedisPhases>>;
    try {
      cpu = await compareCpu(sides, world.devices.slice(0, o.terminals), world.stream, o.rounds, log);
      const counter = await RedisCallCounter.connect(sides.redisUrl);
      try {
        redis = await measureRedisPhases(counter, sides.cluster.port, world, world.devices.slice(0, o.connects), o.chargesPerTerminal, sides.clusterTinyPartHash);
      } finally {
        await counter.close();
      }
      log(`redis operations per connect: ${operations(redis.perConnect.operationsByCommand, redis.connects)}`);
      log(`redis operations per charge: ${operations(redis.perCharge.operationsByCommand, redis.charges)}`);
    } finally {
      await sides.close();
    }

    const resume = await measureResumeAfterKill({
      postgresUrl: pgUrl,
      terminals: o.resumeTerminals,
      partBytes: o.resumePartBytes,
      bytesPerSecond: o.resumeBytesPerSecond,
      kills: o.kills,
      outageMs: o.outageMs,
      seed: o.seed,
      log,
    });
    const beyond = resume.times.map((t) => t.beyondBackoffMs);
    log(`resume beyond back-off (ms): ${[...beyond].sort((a, b) => a - b).map((ms) => Math.round(ms)).join(', ')}`);
    log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return [
      { metric: 'broker_cpu_ms_per_mb_single', value: round3(cpu.singleMsPerMb), unit: 'ms/MB' },
      { metric: 'broker_cpu_ms_per_mb_cluster', value: round3(cpu.clusterMsPerMb), unit: 'ms/MB' },
      { metric: 'cluster_cpu_ratio', value: round3(cpu.clusterMsPerMb / cpu.singleMsPerMb), unit: 'ratio' },
      { metric: 'redis_ops_per_connect', value: round3(redis.perConnect.operations), unit: 'operations' },
      { metric: 'redis_ops_per_charge', value: round3(redis.perCharge.operations), unit: 'operations' },
      { metric: 'resume_after_node_kill_ms_p50', value: Math.round(percentile(beyond, 50)), unit: 'ms' },
      { metric: 'resume_after_node_kill_ms_p95', value: Math.round(percentile(beyond, 95)), unit: 'ms' },
      { metric: 'resume_measured_terminals', value: resume.times.length, unit: 'terminals' },
      { metric: 'resume_unresumed_terminals', value: resume.unresumed, unit: 'terminals' },
      { metric: 'resume_with_backoff_ms_p95', value: Math.round(percentile(resume.times.map((t) => t.totalMs), 95)), unit: 'ms' },
      { metric: 'resume_backoff_ms_p50', value: Math.round(percentile(resume.times.map((t) => t.backoffMs), 50)), unit: 'ms' },
      { metric: 'resume_detect_ms_p50', value: Math.round(percentile(resume.times.map((t) => t.detectMs), 50)), unit: 'ms' },
      { metric: 'resume_login_ms_p50', value: Math.round(percentile(resume.times.map((t) => t.loginMs), 50)), unit: 'ms' },
      { metric: 'resume_first_chunk_ms_p50', value: Math.round(percentile(resume.times.map((t) => t.firstChunkMs), 50)), unit: 'ms' },
      { metric: 'redis_ops_per_disconnect', value: round3(redis.perDisconnect.operations), unit: 'operations' },
      // As Redis counts its work: a script's inner commands too.
      { metric: 'redis_commands_per_connect', value: round3(redis.perConnect.commands), unit: 'commands' },
      { metric: 'redis_commands_per_charge', value: round3(redis.perCharge.commands), unit: 'commands' },
      { metric: 'redis_ops_background_per_s', value: round3(redis.backgroundOperationsPerS), unit: 'operations/s' },
      // The conditions: what every figure above was measured under.
      { metric: 'terminals', value: o.terminals, unit: 'terminals' },
      { metric: 'part_bytes', value: o.partBytes, unit: 'bytes' },
      { metric: 'chunk_bytes', value: CHUNK_BYTES, unit: 'bytes' },
      { metric: 'rounds', value: o.rounds, unit: 'rounds' },
      { metric: 'payload_bytes_per_round', value: cpu.payloadBytesPerRound, unit: 'bytes' },
      { metric: 'connects', value: redis.connects, unit: 'terminals' },
      { metric: 'charges', value: redis.charges, unit: 'charges' },
      { metric: 'resume_terminals', value: o.resumeTerminals, unit: 'terminals' },
      { metric: 'resume_part_bytes', value: o.resumePartBytes, unit: 'bytes' },
      { metric: 'resume_link_bytes_per_s', value: o.resumeBytesPerSecond, unit: 'bytes/s' },
      { metric: 'kills', value: o.kills, unit: 'nodes' },
      { metric: 'postgres_fsync_on', value: postgres.conditions.fsync === 'on' ? 1 : 0, unit: 'bool' },
      { metric: 'postgres_synchronous_commit_on', value: postgres.conditions.synchronousCommit === 'off' ? 0 : 1, unit: 'bool' },
    ];
  } finally {
    await postgres?.close();
    await rm(root, { recursive: true, force: true });
  }
}
