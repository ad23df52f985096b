/**
 * The publisher process of the raw aedes pub/sub yardstick (forked by publisher-process.ts
 * through publisher-entry.mjs): MQTT clients — the SDK's MqttClient over the Node port's
 * TcpLink, the client type the terminals and subscribers use — connect to the raw broker host
 * over loopback and, while started, publish through PublisherPump. A process of its own, so the
 * bench process's CPU figure still means subscribers (or terminals) only, and the publishers'
 * CPU is reported apart.
 *
 * argv: <brokerPort> <clients>. Talks only over the IPC channel (host-serve.ts); exits when the
 * bench goes away.
 */
import { SystemClock, TcpLink } from '../../../device/ports/node/index.js';
import { FairwayError } from '../../../sdk/errors.js';
import { MqttClient } from '../../../sdk/mqtt/index.js';
import { MOST_PUBLISHER_CLIENTS, type HostRequest, type UsageSample } from './host-protocol.js';
import { benchChannel, serveBench } from './host-serve.js';
import { PublisherPump } from './publisher-pump.js';

const utf8 = new TextEncoder();

function wholeNumber(text: string | undefined, name: string, most: number): number {
  const value = Number(text);
  if (text === undefined || !/^[0-9]+$/.test(text) || value < 1 || value > most) {
    throw new FairwayError('invalid-argument', `${name} must be a whole number in 1–${most}, not ${JSON.stringify(text)}`, name);
  }
  return value;
}

async function main(): Promise<void> {
  const send = benchChannel();
  const port = wholeNumber(process.argv[2], 'brokerPort', 65_535);
  const count = wholeNumber(process.argv[3], 'clients', MOST_PUBLISHER_CLIENTS);
  const clock = new SystemClock();
  let open = 0;
  const clients = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const clientId = `raw-publisher-${i}`;
      const client = await MqttClient.connect(new TcpLink('127.0.0.1', port), clock, { clientId, username: clientId, password: utf8.encode('raw') });
      open++;
      client.onClose(() => open--);
      return client;
    }),
  );
  const pump = new PublisherPump(clients);
  const usage = (): UsageSample => {
    const cpu = process.cpuUsage();
    return { connected: open, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const answer = async (request: HostRequest): Promise<unknown> => {
    switch (request.op) {
      case 'usage':
        return usage();
      case 'pump-start':
        pump.start(request.pump);
        return null;
      case 'pump-stop':
        pump.stop();
        return null;
      case 'memory':
        throw new FairwayError('invalid-argument', 'the publisher host is not weighed: ask a broker host');
      case 'close':
        try {
          pump.stop();
        } catch {
          // A failed publish was already reported to the bench by pump-stop; closing goes on.
        }
        await Promise.all(clients.map((c) => c.close()));
        return null;
    }
  };
  serveBench(send, port, answer);
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet publisher host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
