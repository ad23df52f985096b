/**
 * `fairway vectors write|check`: renders the published wire vectors (sdk/vectors/catalog.ts)
 * to JSON files, or checks that the files on disk are exactly what the code produces.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NodeCrypto, NodeSigner } from '../../device/ports/node/index.js';
import { buildVectors, DEVICE_SEED_HEX, PEER_SEED_HEX, STORE_SEED_HEX, type WireVector } from '../../sdk/vectors/catalog.js';
import { fromHex } from '../../sdk/vectors/json.js';

export const DEFAULT_VECTOR_DIR = resolve(import.meta.dirname, '../../sdk/vectors');

export async function renderVectors(): Promise<Map<string, string>> {
  const vectors: WireVector[] = await buildVectors(NodeSigner.fromSeed(fromHex(DEVICE_SEED_HEX)), NodeSigner.fromSeed(fromHex(STORE_SEED_HEX)), NodeSigner.fromSeed(fromHex(PEER_SEED_HEX)), new NodeCrypto());
  return new Map(vectors.map((v) => [`${v.name}.json`, `${JSON.stringify(v, null, 2)}\n`]));
}

/** File names whose content differs from, is missing from, or is extra to what the code makes. */
export async function diffVectors(dir: string): Promise<string[]> {
  const expected = await renderVectors();
  const present = new Set((await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')));
  const problems: string[] = [];
  for (const [file, text] of expected) {
    if (!present.has(file)) problems.push(`${file}: missing`);
    else if ((await readFile(join(dir, file), 'utf8')) !== text) problems.push(`${file}: differs from what the code produces`);
  }
  for (const file of present) if (!expected.has(file)) problems.push(`${file}: not produced by the code any more`);
  return problems;
}

export function registerVectors(program: Command): void {
  const vectors = program.command('vectors').description('The published wire vectors (sdk/vectors/*.json)');
  vectors
    .command('write')
    .description('Write every vector as JSON')
    .option('--dir <dir>', 'output folder', DEFAULT_VECTOR_DIR)
    .action(async (options: { dir: string }) => {
      await mkdir(options.dir, { recursive: true });
      const rendered = await renderVectors();
      for (const [file, text] of rendered) await writeFile(join(options.dir, file), text);
      process.stdout.write(`wrote ${rendered.size} vectors to ${options.dir}\n`);
    });
  vectors
    .command('check')
    .description('Exit non-zero unless the files match what the code produces')
    .option('--dir <dir>', 'folder to check', DEFAULT_VECTOR_DIR)
    .action(async (options: { dir: string }) => {
      const problems = await diffVectors(options.dir);
      for (const p of problems) process.stderr.write(`${p}\n`);
      process.stdout.write(problems.length === 0 ? 'vectors match the code\n' : `${problems.length} vector file(s) out of date: run fairway vectors write\n`);
      if (problems.length > 0) process.exitCode = 1;
    });
}
