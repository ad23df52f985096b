/**
 * The simulator's HAL: virtual time, seeded randomness, a radio link into the in-process broker,
 * flash with power loss, and crypto whose randomness replays. `simHal` builds one terminal's
 * set from a SimClock, a SimRandom (fork one per terminal) and a radio profile.
 */
import type { Hal } from '../../sdk/hal/index.js';
import type { SimClock } from './clock.js';
import { SimCrypto, simSigner } from './crypto.js';
import { RadioLink, type AttachBroker } from './link.js';
import { resolveProfile, type RadioProfileInput } from './presets.js';
import type { RadioProfile } from './radio-profile.js';
import type { SimRandom } from './random.js';
import { SimFlash } from './storage.js';

export { SimRandom } from './random.js';
export { SimClock, QUIET_ROUNDS, DEFAULT_START_WALL_MS, type SimClockOptions, type RunStop, type RunUntilOptions } from './clock.js';
export { RadioLink, type AttachBroker, type AttachHost, type RadioLinkOptions, type RadioLinkStats } from './link.js';
export { BrokerEnd, PullEnd, MAX_READ_BYTES, type FarEndKind } from './radio-connection.js';
export { SEGMENT_BYTES } from './radio-direction.js';
export { GilbertElliottChannel, type ChannelStats } from './radio-channel.js';
export {
  DEFAULT_MAX_BUFFERED_BYTES,
  connectDelayMsOf,
  radioProfileSchema,
  radioOverridesSchema,
  type BlackoutWindow,
  type RadioOverrides,
  type RadioProfile,
} from './radio-profile.js';
export { RADIO_PRESETS, RADIO_PRESET_NAMES, DEFAULT_RADIO_PRESET, resolveProfile, type RadioPresetName, type RadioProfileInput } from './presets.js';
export { SimFlash, type SimFlashOptions } from './storage.js';
export { SimCrypto, simSigner } from './crypto.js';

export interface SimHalOptions {
  time: SimClock;
  /** This terminal's stream (e.g. `root.fork('terminal-7')`); flash, link, crypto and key each fork from it. */
  random: SimRandom;
  /** A preset name, overrides on a preset, or a resolved profile. */
  profile: RadioProfileInput | RadioProfile;
  flashBytes: number;
  /** Hands the broker each new connection (`(stream, peer) => broker.acceptStream(stream, peer)`). */
  attach: AttachBroker;
  /** Names the terminal's connections in the broker's log. Default 'radio'. */
  peerName?: string;
  /** Flash write speed; absent, writes take no virtual time. */
  flashWriteBytesPerMs?: number;
}

export interface SimHal {
  hal: Hal;
  flash: SimFlash;
  link: RadioLink;
}

/** One terminal's HAL. After a power cut, build the next boot's Hal around `flash.powerOn()`. */
export function simHal(options: SimHalOptions): SimHal {
  const { time, random } = options;
  const profile = resolveProfile(options.profile as RadioProfileInput);
  const flash = SimFlash.create({
    capacityBytes: options.flashBytes,
    time,
    random: random.fork('flash'),
    ...(options.flashWriteBytesPerMs !== undefined ? { writeBytesPerMs: options.flashWriteBytesPerMs } : {}),
  });
  const link = new RadioLink(profile, time, random.fork('link'), options.attach, options.peerName !== undefined ? { peerName: options.peerName } : {});
  const hal: Hal = {
    storage: flash,
    link,
    crypto: new SimCrypto(random.fork('crypto')),
    clock: time,
    signer: simSigner(random.fork('signer')),
  };
  return { hal, flash, link };
}
