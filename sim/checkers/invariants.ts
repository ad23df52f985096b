/**
 * The invariants of DESIGN.md, checked against a fleet run: apart from the drivers (the
 * TigerBeetle habit), reading only what the store's ledger and the terminals' flash hold.
 */
import { createHash } from 'node:crypto';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { allPostings } from '../../broker/ledger/reports.js';
import type { RunningStore } from '../../broker/store.js';
import type { Terminal } from '../../device/terminal.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import type { Crypto } from '../../sdk/hal/crypto.js';
import type { Storage } from '../../sdk/hal/storage.js';

export interface InvariantResult {
  name: string;
  held: boolean;
  detail?: string;
}

export interface CheckedTerminal {
  id: string;
  terminal: Terminal;
  flash: Storage & { readonly capacityBytes: number; readonly capacityRefusalCount: number; inspectUsage(): { capacityBytes: number; usedBytes: number } };
  /** Transfers this terminal saw charged (hex). */
  chargedTransfers: Set<string>;
  /** Bodies from topics not its own (must stay 0). */
  foreignTopics: number;
}

/** Money is conserved, no balance below zero, every posting balanced (the ledger's own check). */
export async function ledgerInvariant(store: RunningStore, nowMs: number): Promise<InvariantResult> {
  const violations = await checkInvariants(store.ledger, nowMs);
  return { name: 'ledger: balanced, conserved, no balance below zero', held: violations.length === 0, ...(violations.length > 0 && { detail: JSON.stringify(violations.slice(0, 5)) }) };
}

async function everyPosting(store: RunningStore) {
  const all = [];
  for (let afterId = 0; ; ) {
    const page = await allPostings(store.ledger, { afterId, limit: 10_000 });
    all.push(...page);
    if (page.length < 10_000) return all;
    afterId = page[page.length - 1]!.postingId;
  }
}

/** Every completed part charged exactly once; no charge the terminal did not ask for with a receipt. */
export async function chargedOnceInvariant(store: RunningStore, terminals: CheckedTerminal[]): Promise<InvariantResult> {
  const charges = (await everyPosting(store)).filter((p) => p.kind === 'charge' && p.accountId.startsWith('user:'));
  const seen = new Map<string, number>();
  for (const c of charges) seen.set(c.transferId ?? '', (seen.get(c.transferId ?? '') ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1);
  const confirmed = new Set(terminals.flatMap((t) => [...t.chargedTransfers]));
  const receipting = terminals.filter((t) => t.terminal.snapshot().state === 'title.receipting').length;
  const unconfirmed = [...seen.keys()].filter((transfer) => !confirmed.has(transfer));
  const problems: string[] = [];
  if (twice.length > 0) problems.push(`${twice.length} transfers charged more than once`);
  if (unconfirmed.length > receipting) problems.push(`${unconfirmed.length} charges no terminal confirmed (${receipting} receipts still in flight)`);
  const missing = [...confirmed].filter((t) => !seen.has(t));
  if (missing.length > 0) problems.push(`${missing.length} charges confirmed to terminals are not in the ledger`);
  return { name: 'every completed part charged exactly once', held: problems.length === 0, ...(problems.length > 0 && { detail: problems.join('; ') }) };
}

/**
 * Storage used ≤ the device limit. The simulated flash itself refuses any write past its
 * capacity, so what shows a breach is a refusal: the storage manager must reserve before it
 * writes, and never let a write reach the flash that does not fit.
 */
export async function storageInvariant(terminals: CheckedTerminal[]): Promise<InvariantResult> {
  const over: string[] = [];
  for (const t of terminals) {
    // The medium itself: a terminal off at the end of the run is still checked.
    const usage = t.flash.inspectUsage();
    if (usage.usedBytes > t.flash.capacityBytes || t.flash.capacityRefusalCount > 0) over.push(`${t.id}: ${usage.usedBytes}/${t.flash.capacityBytes} bytes, ${t.flash.capacityRefusalCount} writes refused for capacity`);
  }
  return { name: 'storage used ≤ the device limit', held: over.length === 0, ...(over.length > 0 && { detail: over.slice(0, 5).join('; ') }) };
}

/** No part whose bytes differ from its signed manifest is kept as complete. */
export async function integrityInvariant(terminals: CheckedTerminal[], storePublicKey: Uint8Array, crypto: Crypto): Promise<InvariantResult> {
  const bad: string[] = [];
  for (const t of terminals) {
    let parts;
    try {
      parts = t.terminal.storage().parts;
    } catch {
      continue; // powered off at the end of the run
    }
    for (const p of parts.filter((x) => x.state !== 'reserved')) {
      try {
        const manifestBytes = await t.flash.read(`s${p.slot}.man`, 0, p.sideBytes);
        const manifest = (await manifestArtefact.open(manifestBytes, storePublicKey, crypto)).payload;
        const data = await t.flash.read(`s${p.slot}.data`, 0, manifest.size);
        const digest = createHash('sha256').update(data).digest('hex');
        if (digest !== Buffer.from(manifest.hash).toString('hex')) bad.push(`${t.id}: ${p.part}`);
      } catch (e) {
        bad.push(`${t.id}: ${p.part} (${(e as Error).message})`);
      }
    }
  }
  return { name: 'no stored part differs from its signed manifest', held: bad.length === 0, ...(bad.length > 0 && { detail: bad.slice(0, 5).join('; ') }) };
}

/** A terminal never reads another terminal's topics. */
export function isolationInvariant(terminals: CheckedTerminal[]): InvariantResult {
  const leaks = terminals.filter((t) => t.foreignTopics > 0);
  return { name: "a terminal never receives another terminal's topics", held: leaks.length === 0, ...(leaks.length > 0 && { detail: leaks.map((t) => t.id).join(', ') }) };
}
