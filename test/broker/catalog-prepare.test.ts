import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogError } from '../../broker/catalog/catalog-error.js';
import { ContentStore } from '../../broker/catalog/content-store.js';
import { prepareTitle } from '../../broker/catalog/prepare-title.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { crypto, storeSigner, utf8 } from '../support/keys.js';
import { seed } from '../support/seed.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-catalog-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const random = seededRandomSource(seed);

async function titleFolder(name: string, yaml: string, files: Record<string, Uint8Array> = {}): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
  await writeFile(join(dir, 'title.yaml'), yaml);
  for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
  return dir;
}

const GOLF = `id: super-golf
name: Super Golf
provider: Sharp
creator: John Smith
category: game
requiresBase: true
chunkBytes: 4096
parts:
  - { id: golf-h01, file: h01.bin, price: 500 }
  - { id: golf-h02, file: h02.bin, price: 450 }
  - { id: golf-h03, file: h03.bin, price: 400 }
`;

function context(dir: string) {
  return { content: new ContentStore(join(dir, 'content')), crypto, storeSigner, storeKid: utf8('store-test') };
}

async function refusal(dir: string): Promise<CatalogError> {
  const ctx = context(root);
  try {
    await prepareTitle(dir, ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogError);
    return e as CatalogError;
  } finally {
    await ctx.content.close();
  }
  throw new Error('expected a CatalogError');
}

describe('preparing a title folder', () => {
  it('stores each part by content and signs a manifest chaining the parts in order', async () => {
    const parts = { 'h01.bin': random(10_000), 'h02.bin': random(5_000), 'h03.bin': random(4_096) };
    const dir = await titleFolder('golf', GOLF, parts);
    const ctx = context(root);
    const prepared = await prepareTitle(dir, ctx);
    expect(prepared.parts.map((p) => [p.id, p.seq, p.nextId, p.baseId])).toEqual([
      ['golf-h01', 1, 'golf-h02', null],
      ['golf-h02', 2, 'golf-h03', 'golf-h01'],
      ['golf-h03', 3, null, 'golf-h01'],
    ]);
    const manifest = (await manifestArtefact.open(prepared.parts[1]!.manifest, storeSigner.publicKey, crypto)).payload;
    expect(manifest).toMatchObject({ part: 'golf-h02', title: 'super-golf', size: 5_000, chunkBytes: 4096 });
    expect(manifest.chunks).toHaveLength(2);
    // The stored bytes are the part's bytes, readable at any offset for serving chunks.
    expect(await ctx.content.read(prepared.parts[0]!.contentHash, 4096, 4096)).toEqual(parts['h01.bin'].subarray(4096, 8192));
    expect(await ctx.content.read(prepared.parts[2]!.contentHash, 4000, 4096)).toEqual(parts['h03.bin'].subarray(4000));
    await ctx.content.close();
  });

  it('stores identical content once, whatever the part is called', async () => {
    const same = random(3000);
    const dir = await titleFolder('twins', GOLF.replace('requiresBase: true', 'requiresBase: false'), { 'h01.bin': same, 'h02.bin': same, 'h03.bin': same });
    const ctx = context(join(root, 'twins-store'));
    const prepared = await prepareTitle(dir, ctx);
    expect(new Set(prepared.parts.map((p) => p.contentHash)).size).toBe(1);
    const fanOut = await readdir(join(root, 'twins-store', 'content'));
    expect(fanOut.filter((f) => !f.startsWith('.'))).toHaveLength(1);
    await ctx.content.close();
  });

  it('refuses a YAML syntax error with the file and line', async () => {
    const e = await refusal(await titleFolder('syntax', 'id: x\nname: [unclosed\n'));
    expect(e.file).toMatch(/title\.yaml$/);
    expect(e.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses an unknown field, naming it and its line', async () => {
    const e = await refusal(await titleFolder('unknown', GOLF.replace('category: game', 'category: game\ncolour: green'), { 'h01.bin': random(10), 'h02.bin': random(10), 'h03.bin': random(10) }));
    expect(e.field).toBe('colour');
    expect(e.line).toBe(6);
  });

  it('refuses a wrong value inside a part, naming the part field and line', async () => {
    const e = await refusal(await titleFolder('price', GOLF.replace('price: 450', 'price: -5'), { 'h01.bin': random(10), 'h02.bin': random(10), 'h03.bin': random(10) }));
    expect(e.field).toBe('parts.1.price');
    expect(e.line).toBe(10);
  });

  it('refuses a missing required field', async () => {
    const e = await refusal(await titleFolder('missing', GOLF.replace('provider: Sharp\n', ''), {}));
    expect(e.field).toBe('provider');
  });

  it('refuses a part file that does not exist, before storing anything', async () => {
    const dir = await titleFolder('absent', GOLF, { 'h01.bin': random(10), 'h02.bin': random(10) });
    const e = await refusal(dir);
    expect(e.field).toBe('parts.2.file');
    expect(e.detail).toContain('h03.bin');
  });

  it('refuses a file path that leaves the title folder', async () => {
    const e = await refusal(await titleFolder('escape', GOLF.replace('file: h03.bin', 'file: ../../etc/passwd'), {}));
    expect(e.field).toBe('parts.2.file');
  });

  it('refuses duplicate part ids', async () => {
    const files = { 'h01.bin': random(10), 'h02.bin': random(10), 'h03.bin': random(10) };
    expect((await refusal(await titleFolder('dup', GOLF.replace('id: golf-h03', 'id: golf-h01'), files))).detail).toContain('appears twice');
  });

  it('checks the pricing rule against the parts, naming the pricing field and its line', async () => {
    const files = { 'h01.bin': random(10), 'h02.bin': random(10), 'h03.bin': random(10) };
    const tiers = GOLF.replace('parts:', 'pricing:\n  rule: by-previous-uses\n  tiers:\n    - { minUses: 0, percent: 0 }\n    - { minUses: 10, percent: 130 }\nparts:');
    const e = await refusal(await titleFolder('tiers', tiers, files));
    expect(e.field).toBe('pricing.tiers.1.percent');
    expect(e.line).toBe(12);
    const sponsored = GOLF.replace('parts:', 'pricing:\n  rule: advert\n  sponsored:\n    - { seq: 4, advertTitle: kart, sponsor: Kart Co, sponsorPaysMinor: 100 }\nparts:');
    const past = await refusal(await titleFolder('sponsored', sponsored, files));
    expect(past.field).toBe('pricing.sponsored.0.seq');
    expect(past.detail).toContain('past the title');
  });

  it('refuses an unreadable folder with the path in the message', async () => {
    const e = await refusal(join(root, 'no-such-folder'));
    expect(e.message).toContain('no-such-folder');
  });
});
