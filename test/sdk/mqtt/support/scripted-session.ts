/**
 * A client connected over a ScriptedLink to a ScriptedBroker, on a ManualClock: the setting for
 * the client tests that need exact control of bytes and time.
 */
import { MqttClient, type MqttConnectOptions } from '../../../../sdk/mqtt/index.js';
import { ManualClock, ScriptedLink } from '../../../../sdk/testing/mocks/index.js';
import type { FairwayError } from '../../../../sdk/errors.js';
import { InstrumentedLink } from './instrumented-link.js';
import { ScriptedBroker } from './scripted-broker.js';

export const CREDENTIAL = Uint8Array.of(0xd2, 0x84, 0x43, 0xa1, 0x01, 0x27, 0xa1, 0x04, 0x47, 0x68, 0x68, 0x2d, 0x30, 0x30, 0x30, 0x31);

export const baseOptions: MqttConnectOptions = { clientId: 'hh-0001', username: 'hh-0001', password: CREDENTIAL };

export interface ScriptedSession {
  link: ScriptedLink | InstrumentedLink;
  clock: ManualClock;
  broker: ScriptedBroker;
  client: MqttClient;
  /** Every reason onClose reported, in order. */
  closes: Array<FairwayError | null>;
}

/** Connects a client; `link` may be an InstrumentedLink wrapping the ScriptedLink. */
export async function connectScripted(
  options: Partial<MqttConnectOptions> = {},
  link: ScriptedLink | InstrumentedLink = new ScriptedLink(),
): Promise<ScriptedSession> {
  const clock = new ManualClock();
  const connecting = MqttClient.connect(link, clock, { ...baseOptions, ...options });
  const broker = await ScriptedBroker.accept(link instanceof InstrumentedLink ? link.scripted : link);
  await broker.acceptConnect();
  const client = await connecting;
  const closes: Array<FairwayError | null> = [];
  client.onClose((reason) => closes.push(reason));
  return { link, clock, broker, client, closes };
}
