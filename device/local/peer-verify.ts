/**
 * The peer's checks on `joined` [FW-14.3], before it stores any byte: the licence and the
 * manifest both verify with the store key, the licence covers exactly the manifest's part
 * (same id, same whole-part hash), the seat is one of the licence's, and the licence has not
 * expired by the peer's wall clock. A host can relay the store's artefacts but forge none.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Crypto } from '../../sdk/hal/crypto.js';
import { licenceArtefact, type Licence } from '../../sdk/licence/index.js';
import type { LocalMessageOf } from '../../sdk/local/index.js';
import { equalBytes, manifestArtefact, type Manifest } from '../../sdk/manifest/manifest.js';

export interface VerifiedSession {
  licence: Licence;
  manifest: Manifest;
}

export async function verifyJoined(joined: LocalMessageOf<'joined'>, storePublicKey: Uint8Array, crypto: Crypto, nowWallMs: number): Promise<VerifiedSession> {
  const licence = (await licenceArtefact.open(joined.licence, storePublicKey, crypto)).payload;
  const manifest = (await manifestArtefact.open(joined.manifest, storePublicKey, crypto)).payload;
  if (licence.part !== manifest.part) throw new FairwayError('hash-mismatch', `the licence covers ${licence.part}, the manifest describes ${manifest.part}`, 'licence.part');
  if (!equalBytes(licence.partHash, manifest.hash)) throw new FairwayError('hash-mismatch', 'the licence covers other bytes than the manifest describes', 'licence.partHash');
  if (joined.seat > licence.seats) throw new FairwayError('out-of-range', `seat ${joined.seat} of a ${licence.seats}-seat licence`, 'seat');
  if (nowWallMs > licence.exp) throw new FairwayError('out-of-range', 'the licence has expired', 'licence.exp');
  return { licence, manifest };
}
