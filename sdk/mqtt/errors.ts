/**
 * The MQTT client's refusals, as FairwayError subclasses so callers can still switch on `kind`
 * (no new kinds in the shared union) while the broker's exact answer stays available.
 */
import { FairwayError } from '../errors.js';

/** CONNACK's refusal codes (§3.2.2.3) and what Fairway's store means by them [FW-2.3.3]. */
export type ConnackRefusalCode = 1 | 2 | 3 | 4 | 5;

const CONNACK_REFUSALS: Record<ConnackRefusalCode, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorised',
};

/**
 * The broker answered CONNECT with a non-zero return code. Kind `closed`: the broker closes the
 * connection after a refusing CONNACK [MQTT-3.2.2-5]. What to do depends on `returnCode`
 * [FW-2.3.3]: 3 and 4 are worth a retry with back-off (4 with a fresh credential), 5 is not.
 */
export class MqttConnectRefused extends FairwayError {
  constructor(readonly returnCode: ConnackRefusalCode) {
    super('closed', `the broker refused the connection: ${CONNACK_REFUSALS[returnCode]} (CONNACK ${returnCode})`);
  }
}

/**
 * The broker answered SUBSCRIBE with 0x80 [FW-2.4.1]. Kind `invalid-argument`: the connection
 * stays up, and the filter asked for is one this client may not have.
 */
export class MqttSubscribeRefused extends FairwayError {
  constructor(readonly filter: string) {
    super('invalid-argument', `the broker refused the subscription to "${filter}" (SUBACK 0x80)`, 'filter');
  }
}
