/**
 * A host and its peers over in-memory links, with real Ed25519, real CBOR, real storage
 * classes and one ManualClock: the store key signs a real manifest and seat licence (as the
 * store would), the host serves from the part's bytes, each peer has its own flash and
 * storage manager. `settle` lets promises run and moves time on until a condition holds.
 */
import { HostSession, PeerSession, type HostSessionOptions, type PeerSessionOptions } from '../../../../device/local/index.js';
import { StorageManager } from '../../../../device/storage/index.js';
import { chunkSpan } from '../../../../sdk/chunks/index.js';
import type { LinkConnection } from '../../../../sdk/hal/link.js';
import { licenceArtefact, type Licence } from '../../../../sdk/licence/index.js';
import { encodeFrame, FrameReader } from '../../../../sdk/local/index.js';
import { manifestArtefact, PartHasher, type Manifest } from '../../../../sdk/manifest/index.js';
import { ManualClock, MemoryStorage, ScriptedLink, seededRandomSource, SoftwareCrypto, SoftwareSigner, type ScriptedConnection } from '../../../../sdk/testing/mocks/index.js';
import { crypto, storeSigner, utf8 } from '../../../support/keys.js';
import { seed } from '../../../support/seed.js';

export const PART_BYTES = 100_000;
export const CHUNK_BYTES = 4096;
export const CHUNKS = Math.ceil(PART_BYTES / CHUNK_BYTES);
export const SESSION_MS = 10 * 60_000;
export const PEER_CAPACITY_BYTES = 1024 * 1024;

export interface SignedPart {
  bytes: Uint8Array;
  manifest: Manifest;
  manifestBytes: Uint8Array;
}

export async function makePart(partSeed = seed, part = 'golf-h02'): Promise<SignedPart> {
  const bytes = seededRandomSource(partSeed)(PART_BYTES);
  const hasher = new PartHasher(crypto, CHUNK_BYTES);
  hasher.update(bytes);
  const manifest: Manifest = { v: 1, part, title: 'golf', seq: 2, next: null, base: null, ...hasher.finish() };
  return { bytes, manifest, manifestBytes: await manifestArtefact.sign(manifest, storeSigner, utf8('store')) };
}

export function licenceFor(part: SignedPart, clock: ManualClock, overrides: Partial<Licence> = {}): Licence {
  return {
    v: 1,
    licence: seededRandomSource(seed + 1)(16),
    host: 'host-1',
    user: 'alice',
    title: 'golf',
    part: part.manifest.part,
    partHash: part.manifest.hash,
    seats: 4,
    billing: 'per-reception',
    seatPrice: 100,
    issuedAt: clock.wallMs(),
    exp: clock.wallMs() + SESSION_MS,
    ...overrides,
  };
}

export function signLicence(licence: Licence, signer = storeSigner): Promise<Uint8Array> {
  return licenceArtefact.sign(licence, signer, utf8('store'));
}

/** Lets pending promises run (real macrotask turns), then advances the clock, until `done()`. */
export async function settle(clock: ManualClock, done: () => boolean, stepMs = 50, maxSteps = 4000): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    if (done()) return;
    clock.advance(stepMs);
  }
  throw new Error(`did not settle after ${maxSteps} steps (seed ${seed})`);
}

export interface HostFixture {
  clock: ManualClock;
  part: SignedPart;
  licence: Licence;
  licenceBytes: Uint8Array;
  hostStorage: MemoryStorage;
  host: HostSession;
  /** Opens a link whose every connection the host serves; `farEnds` are the host's ends. */
  linkToHost(): { link: ScriptedLink; farEnds: ScriptedConnection[] };
}

export async function hostFixture(options: { chunkDelayMs?: number; seats?: number; licence?: Partial<Licence>; host?: Partial<HostSessionOptions>; hostStorage?: MemoryStorage; clock?: ManualClock; part?: SignedPart } = {}): Promise<HostFixture> {
  const clock = options.clock ?? new ManualClock();
  const part = options.part ?? (await makePart());
  const licence = licenceFor(part, clock, { seats: options.seats ?? 4, ...options.licence });
  const licenceBytes = await signLicence(licence);
  const hostStorage = options.hostStorage ?? new MemoryStorage(1024 * 1024);
  const host = await HostSession.open({
    licenceBytes,
    licence,
    manifestBytes: part.manifestBytes,
    manifest: part.manifest,
    readChunk: async (index) => {
      // A slow flash (on the manual clock) makes streaming take simulated time, so drops land mid-stream.
      if (options.chunkDelayMs) await new Promise<void>((resolve) => clock.setTimer(options.chunkDelayMs!, resolve));
      const span = chunkSpan(index, part.manifest.size, part.manifest.chunkBytes);
      return part.bytes.slice(span.offsetBytes, span.offsetBytes + span.lengthBytes);
    },
    clock,
    storage: hostStorage,
    windowMax: 8,
    ...options.host,
  });
  const linkToHost = () => {
    const link = new ScriptedLink({ maxReadBytes: 3000 });
    const farEnds: ScriptedConnection[] = [];
    void (async () => {
      for (;;) {
        const far = await link.accept();
        farEnds.push(far);
        void host.serve(far);
      }
    })();
    return { link, farEnds };
  };
  return { clock, part, licence, licenceBytes, hostStorage, host, linkToHost };
}

export interface PeerFixture {
  id: string;
  storage: MemoryStorage;
  parts: StorageManager;
  session: PeerSession;
  link: ScriptedLink;
  farEnds: ScriptedConnection[];
  signer: SoftwareSigner;
}

export async function openPeerStorage(storage = new MemoryStorage(PEER_CAPACITY_BYTES)): Promise<{ storage: MemoryStorage; parts: StorageManager }> {
  return { storage, parts: await StorageManager.open(storage, { systemReserveBytes: 16 * 1024 }) };
}

export async function peerFixture(
  fixture: Pick<HostFixture, 'clock' | 'linkToHost'>,
  index: number,
  options: Partial<PeerSessionOptions> & { link?: ScriptedLink } = {},
): Promise<PeerFixture> {
  const { storage, parts } = options.parts && options.storage ? { storage: options.storage as MemoryStorage, parts: options.parts } : await openPeerStorage();
  const { link, farEnds } = options.link ? { link: options.link, farEnds: [] } : fixture.linkToHost();
  const random = seededRandomSource(seed + 100 + index);
  const signer = SoftwareSigner.generate(random);
  const id = `peer-${index}`;
  const session = new PeerSession({
    peerId: id,
    link,
    storePublicKey: storeSigner.publicKey,
    crypto: new SoftwareCrypto({ randomBytes: random }),
    signer,
    clock: fixture.clock,
    storage,
    parts,
    ...options,
  });
  return { id, storage, parts, session, link, farEnds, signer };
}

/** Blob names and bytes used: what "back to the baseline" compares (the part table may be rewritten). */
export async function footprint(storage: MemoryStorage, parts: StorageManager): Promise<{ blobs: string[]; reservedBytes: number; usedBytes: number }> {
  const blobs = (await storage.list()).map((b) => b.name).filter((name) => name !== 'fw-parts');
  const usage = parts.usage();
  return { blobs, reservedBytes: usage.reservedBytes, usedBytes: usage.usedBytes };
}

/** A raw client of the host: writes whatever bytes a test wants, reads framed answers. */
export class RawPeer {
  private readonly reader = new FrameReader();
  closed = false;

  constructor(readonly conn: LinkConnection) {}

  write(bytes: Uint8Array): Promise<void> {
    return this.conn.write(bytes);
  }

  sendBody(body: Uint8Array): Promise<void> {
    return this.conn.write(encodeFrame(body));
  }

  /** The next frame body, or null once the host closed the connection. */
  async next(): Promise<Uint8Array | null> {
    for (;;) {
      const body = this.reader.next();
      if (body) return body;
      const piece = await this.conn.read().catch(() => null);
      if (piece === null) {
        this.closed = true;
        return null;
      }
      this.reader.push(piece);
    }
  }
}
