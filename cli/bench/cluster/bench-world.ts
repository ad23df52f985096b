/**
 * What the cluster bench's bare terminals buy and who they are: one title with a streaming
 * part of a few MiB (free: the streaming load is about chunks, not charges) and a one-chunk
 * part priced 1 (the charges phase buys it again and again), and one user with credit and
 * one enrolled device per terminal. The same world is written into the single node's
 * database and the cluster's, so both sides of the CPU comparison serve the same bytes.
 *
 * Written with the cluster harness's provisionWorld (the operator commands' library calls),
 * in whatever store the caller opened: the single node's own data folder, or the cluster's
 * operator folder.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreData } from '../../../broker/store-data.js';
import { NodeSigner } from '../../../device/ports/node/index.js';
import { seededRandomSource } from '../../../sdk/testing/mocks/index.js';
import { provisionWorld, type ClusterWorld } from '../../../sim/cluster/cluster-provision.js';
import type { FleetDevice } from '../fleet/bench-terminal.js';

export const CHUNK_BYTES = 16 * 1024;
const TITLE_ID = 'cluster-bench';
const STREAM_PART = `${TITLE_ID}-stream`;
const TINY_PART = `${TITLE_ID}-tiny`;
const PASSWORD = 'cluster-bench-password';
/** Under one chunk: a charge's download is one chunk. */
const TINY_BYTES = 1_000;
/** Enough for every charge the bench can make at price 1. */
const CREDIT_MINOR = 10_000_000;

export interface BenchWorld {
  /** The title folder, as `fairway store catalog import` takes it. */
  titleFolder: string;
  devices: FleetDevice[];
  stream: { partId: string; sizeBytes: number; chunkCount: number };
  tiny: { partId: string; priceMinor: number; chunkCount: number };
}

/** Writes the title folder and makes the devices' keys; nothing is stored yet. */
export async function writeBenchWorld(root: string, terminals: number, streamPartBytes: number): Promise<BenchWorld> {
  const titleFolder = join(root, 'title');
  await mkdir(titleFolder, { recursive: true });
  // Random bytes: the bare terminals never open a part, and incompressible content keeps every layer honest.
  await writeFile(join(titleFolder, 'stream.bin'), seededRandomSource(streamPartBytes)(streamPartBytes));
  await writeFile(join(titleFolder, 'tiny.bin'), seededRandomSource(TINY_BYTES)(TINY_BYTES));
  await writeFile(
    join(titleFolder, 'title.yaml'),
    `id: ${TITLE_ID}\nname: Cluster bench\nprovider: Bench\ncategory: demo\nchunkBytes: ${CHUNK_BYTES}\nparts:\n` +
      `  - { id: ${STREAM_PART}, file: stream.bin, price: 0 }\n  - { id: ${TINY_PART}, file: tiny.bin, price: 1 }\n`,
  );
  const devices = Array.from({ length: terminals }, (_, i) => {
    const n = String(i).padStart(4, '0');
    return { deviceId: `cb-${n}`, userId: `cb-u-${n}`, password: PASSWORD, signer: NodeSigner.generate() };
  });
  return { titleFolder, devices, stream: { partId: STREAM_PART, sizeBytes: streamPartBytes, chunkCount: Math.ceil(streamPartBytes / CHUNK_BYTES) }, tiny: { partId: TINY_PART, priceMinor: 1, chunkCount: 1 } };
}

/** The harness's world description of it: users with credit, their devices, the title. */
export function clusterWorldOf(world: BenchWorld): ClusterWorld {
  return {
    users: world.devices.map((d) => ({ id: d.userId, password: d.password, creditMinor: CREDIT_MINOR })),
    terminals: world.devices.map((d) => ({ deviceId: d.deviceId, userId: d.userId, publicKey: d.signer.publicKey })),
    titleFolders: [world.titleFolder],
  };
}

/** Stores it in an open store; returns the tiny part's hash, which its receipts name. */
export async function storeBenchWorld(store: StoreData, world: BenchWorld): Promise<Uint8Array> {
  await provisionWorld(store, clusterWorldOf(world));
  return tinyPartHash(store, world);
}

export async function tinyPartHash(store: StoreData, world: BenchWorld): Promise<Uint8Array> {
  const row = await store.database.db.selectFrom('parts').select('part_hash').where('id', '=', world.tiny.partId).executeTakeFirstOrThrow();
  return new Uint8Array(row.part_hash);
}
