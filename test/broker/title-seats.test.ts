/**
 * The seat rule in title.yaml [FW-13.7]: optional, validated like the rest of the title file
 * (every refusal names the file, the line and the field), stored with the title and read back
 * with its parts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogError } from '../../broker/catalog/catalog-error.js';
import { readTitleFile } from '../../broker/catalog/title-file.js';
import { parseSeatRule } from '../../broker/pricing/index.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-title-seats-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const HEAD = 'id: golf\nname: Golf\nprovider: Sharp\ncategory: game\nparts:\n  - { id: golf-h01, file: p1, price: 300 }\n';
let made = 0;
async function titleWith(seats: string): Promise<string> {
  const path = join(root, `title-${++made}.yaml`);
  await writeFile(path, `${HEAD}${seats}`);
  return path;
}

async function refusal(seats: string): Promise<CatalogError> {
  const path = await titleWith(seats);
  const error = await readTitleFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatalogError);
  expect((error as CatalogError).file).toBe(path);
  return error as CatalogError;
}

describe('the seat rule in title.yaml', () => {
  it('is optional: a title without it cannot be hosted', async () => {
    expect((await readTitleFile(await titleWith(''))).seats).toBeUndefined();
    expect(parseSeatRule(null)).toBeNull();
  });

  it('reads price, billing, maxSeats and sessionMs, and round-trips through its stored JSON', async () => {
    const file = await readTitleFile(await titleWith('seats:\n  price: 120\n  billing: per-reception\n  maxSeats: 8\n  sessionMs: 3600000\n'));
    expect(file.seats).toEqual({ price: 120, billing: 'per-reception', maxSeats: 8, sessionMs: 3_600_000 });
    expect(parseSeatRule(JSON.stringify(file.seats))).toEqual(file.seats);
  });

  it.each([
    ['billing: monthly', 'seats.billing', 9],
    ['maxSeats: 65', 'seats.maxSeats', 10],
    ['maxSeats: 0', 'seats.maxSeats', 10],
    ['price: -1', 'seats.price', 8],
    ['price: 1.5', 'seats.price', 8],
    ['sessionMs: 0', 'seats.sessionMs', 11],
  ])('refuses %s naming the field %s and its line', async (bad, field, line) => {
    const good: Record<string, string> = { price: 'price: 100', billing: 'billing: upfront', maxSeats: 'maxSeats: 4', sessionMs: 'sessionMs: 60000' };
    const key = bad.split(':')[0]!;
    good[key] = bad;
    const error = await refusal(`seats:\n  ${good.price}\n  ${good.billing}\n  ${good.maxSeats}\n  ${good.sessionMs}\n`);
    expect(error.field).toBe(field);
    expect(error.line).toBe(line);
  });

  it('refuses a missing field, an unknown field and a total over the money bound', async () => {
    expect((await refusal('seats: { price: 100, billing: upfront, maxSeats: 4 }\n')).field).toBe('seats.sessionMs');
    expect((await refusal('seats: { price: 100, billing: upfront, maxSeats: 4, sessionMs: 60000, free: true }\n')).field).toBe('seats.free');
    const tooMuch = await refusal('seats: { price: 100000000000, billing: upfront, maxSeats: 64, sessionMs: 60000 }\n');
    expect(tooMuch.field).toBe('seats.price');
    expect(tooMuch.line).toBe(7);
  });
});
