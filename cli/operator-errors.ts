/**
 * Errors an operator can act on — a refused title file, an unknown user, a damaged key — are
 * printed as one clear line with exit code 1; anything else is a bug and keeps its stack.
 */
import { CatalogError } from '../broker/catalog/catalog-error.js';
import { ContentUnavailableError } from '../broker/catalog/part-bytes-source.js';
import { ClockSkewError } from '../broker/cluster/clock-skew.js';
import { NodeIdInUseError } from '../broker/cluster/node-registry.js';
import { DirectoryError } from '../broker/directory/directory-error.js';
import { StoreKeyError } from '../broker/keys/store-key.js';
import { MigrationError } from '../broker/db/index.js';
import { PricingError } from '../broker/pricing/index.js';
import { FairwayError } from '../sdk/errors.js';

export function operatorErrorMessage(e: unknown): string | undefined {
  if (e instanceof CatalogError || e instanceof DirectoryError || e instanceof StoreKeyError || e instanceof PricingError || e instanceof MigrationError || e instanceof ContentUnavailableError) return e.message;
  if (e instanceof ClockSkewError || e instanceof NodeIdInUseError) return e.message;
  if (e instanceof FairwayError && (e.kind === 'invalid-argument' || e.kind === 'out-of-range')) return e.message;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EACCES' || code === 'EADDRINUSE' || code === '28P01' || code === '3D000') return (e as Error).message;
  return undefined;
}
