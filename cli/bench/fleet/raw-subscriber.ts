/**
 * The yardstick's client: the same MqttClient over the same TcpLink as a bench terminal,
 * subscribed at QoS 1 to one topic of a bare aedes (which checks no credential), counting
 * the payload bytes it receives. No decoding: the raw figure is aedes' ceiling.
 */
import type { SystemClock } from '../../../device/ports/node/index.js';
import { TcpLink } from '../../../device/ports/node/index.js';
import { MqttClient } from '../../../sdk/mqtt/index.js';

const utf8 = new TextEncoder();

export class RawSubscriber {
  receivedBytes = 0;

  private constructor(private readonly client: MqttClient) {
    client.onMessage((_topic, payload) => {
      this.receivedBytes += payload.length;
    });
  }

  static async connect(port: number, clock: SystemClock, clientId: string, topic: string): Promise<RawSubscriber> {
    const client = await MqttClient.connect(new TcpLink('127.0.0.1', port), clock, { clientId, username: clientId, password: utf8.encode('raw') });
    const subscriber = new RawSubscriber(client);
    await client.subscribe(topic, 1);
    return subscriber;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
