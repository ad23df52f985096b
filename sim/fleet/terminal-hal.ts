/**
 * One simulated handheld's hardware: flash, radio, seeded crypto and the shared virtual clock
 * (sim/hal), with the device key the store enrolled. The battery can be pulled and put back:
 * power-on gives a new flash handle over what survived, and the next boot uses it.
 */
import type { NodeSigner } from '../../device/ports/node/index.js';
import type { Hal } from '../../sdk/hal/index.js';
import type { SimClock } from '../hal/clock.js';
import { simHal, type AttachBroker, type RadioLink, type SimFlash } from '../hal/index.js';
import type { RadioProfile } from '../hal/radio-profile.js';
import type { SimRandom } from '../hal/random.js';

export interface TerminalHardware {
  readonly hal: Hal;
  readonly flash: SimFlash;
  readonly link: RadioLink;
  powerCut(): void;
  powerOn(): void;
}

export function buildTerminalHal(o: { time: SimClock; random: SimRandom; profile: RadioProfile; flashBytes: number; signer: NodeSigner; attach: AttachBroker; peerName: string }): TerminalHardware {
  const parts = simHal({ time: o.time, random: o.random, profile: o.profile, flashBytes: o.flashBytes, attach: o.attach, peerName: o.peerName });
  let flash = parts.flash;
  let hal: Hal = { ...parts.hal, signer: o.signer };
  return {
    get hal() {
      return hal;
    },
    get flash() {
      return flash;
    },
    link: parts.link,
    powerCut() {
      flash.powerCut();
    },
    powerOn() {
      flash = flash.powerOn();
      hal = { ...hal, storage: flash };
    },
  };
}
