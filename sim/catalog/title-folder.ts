/**
 * Writes a title folder the store imports with `fairway store catalog import <folder>`:
 * the part files and a title.yaml in the format broker/catalog/title-file.ts reads.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { PricingRuleInput } from '../../broker/pricing/index.js';
import type { SeatRule } from '../../broker/pricing/seat-rule.js';

export interface TitleSpec {
  id: string;
  name: string;
  provider: string;
  creator: string;
  category: 'game' | 'book' | 'demo' | 'advert';
  currency: string;
  requiresBase: boolean;
  pricing: PricingRuleInput;
  /** Licensable for host sessions [FW-13.7]; absent: not. */
  seats?: SeatRule;
  parts: { id: string; file: string; priceMinor: number; bytes: Uint8Array }[];
}

export interface WrittenPart {
  id: string;
  file: string;
  sizeBytes: number;
  priceMinor: number;
}

export interface WrittenTitle {
  id: string;
  /** The title folder: what `fairway store catalog import` takes. */
  folder: string;
  parts: WrittenPart[];
}

export async function writeTitleFolder(folder: string, spec: TitleSpec): Promise<WrittenTitle> {
  await mkdir(folder, { recursive: true });
  for (const part of spec.parts) await writeFile(join(folder, part.file), part.bytes);
  const yaml = {
    id: spec.id,
    name: spec.name,
    provider: spec.provider,
    creator: spec.creator,
    category: spec.category,
    currency: spec.currency,
    requiresBase: spec.requiresBase,
    pricing: spec.pricing,
    ...(spec.seats && { seats: spec.seats }),
    parts: spec.parts.map((p) => ({ id: p.id, file: p.file, price: p.priceMinor })),
  };
  await writeFile(join(folder, 'title.yaml'), `# Written by sim/catalog for the Fairway simulator.\n${stringify(yaml)}`);
  return { id: spec.id, folder, parts: spec.parts.map((p) => ({ id: p.id, file: p.file, sizeBytes: p.bytes.length, priceMinor: p.priceMinor })) };
}
