/**
 * The publishing loop of the raw aedes pub/sub yardstick: MQTT clients publish QoS 0 payloads
 * (the QoS of Fairway's `chunk` messages) round robin over the topics while started.
 *
 * Backpressure, not a queue. A QoS 0 `MqttClient.publish` resolves once the client's link has
 * taken the bytes (TcpLink: the socket write's callback, i.e. the kernel accepted them), and
 * the pump keeps a fixed number of publishes unresolved, shared out over the clients. aedes
 * parses a client's next packet only once the previous publish has been delivered, so when the
 * subscribers fall behind, TCP flow control stops the publishers' writes and the pump waits:
 * at most `inFlight` encoded payloads exist on this side at any time, beyond the sockets' own
 * kernel buffers.
 */
import { FairwayError, isFairwayError } from '../../../sdk/errors.js';
import type { MqttClient } from '../../../sdk/mqtt/index.js';
import { checkPumpStart, type PumpStart } from './host-protocol.js';

export class PublisherPump {
  private running = false;
  private next = 0;
  private topics: readonly string[] = [];
  private payload = new Uint8Array(0);
  /** Publishes each client may have unresolved; they add up to the spec's `inFlight`. */
  private allowance: number[];
  private readonly unresolved: number[];
  private failure: FairwayError | undefined;
  /** Publishes unresolved right now, over all clients. */
  inFlight = 0;
  /** The most that were ever unresolved at once: what the bound held to. */
  peakInFlight = 0;
  /** Publishes the clients' links have taken. */
  published = 0;

  constructor(private readonly clients: readonly MqttClient[]) {
    if (clients.length === 0) throw new FairwayError('invalid-argument', 'the publisher pump needs at least one client', 'clients');
    this.allowance = clients.map(() => 0);
    this.unresolved = clients.map(() => 0);
  }

  /** Starts (or restarts with a new spec) publishing; throws if a publish failed earlier. */
  start(spec: PumpStart): void {
    this.throwFailure();
    checkPumpStart(spec);
    this.topics = [...spec.topics];
    this.payload = new Uint8Array(spec.payloadBytes).fill(0xa5);
    const count = this.clients.length;
    this.allowance = this.clients.map((_, i) => Math.floor(spec.inFlight / count) + (i < spec.inFlight % count ? 1 : 0));
    this.running = true;
    for (let i = 0; i < count; i++) this.fill(i);
  }

  /** Starts no new publish (those in flight still complete); throws if a publish failed. */
  stop(): void {
    this.running = false;
    this.throwFailure();
  }

  private fill(i: number): void {
    const client = this.clients[i]!;
    while (this.running && this.unresolved[i]! < this.allowance[i]!) {
      const topic = this.topics[this.next++ % this.topics.length]!;
      this.unresolved[i] = this.unresolved[i]! + 1;
      this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
      client.publish(topic, this.payload, 0).then(
        () => {
          this.settle(i);
          this.published++;
          // Refilled on the next turn of the event loop: a QoS 0 publish resolves as soon as the
          // socket takes it, so refilling in the same microtask chain starved every timer and
          // I/O callback of this process (the bench's IPC answers, a test's polling).
          setImmediate(() => this.fill(i));
        },
        (error: unknown) => {
          this.settle(i);
          this.running = false;
          this.failure ??= isFairwayError(error) ? error : new FairwayError('io', error instanceof Error ? error.message : String(error));
        },
      );
    }
  }

  private settle(i: number): void {
    this.unresolved[i] = this.unresolved[i]! - 1;
    this.inFlight--;
  }

  private throwFailure(): void {
    if (this.failure) throw new FairwayError(this.failure.kind, `a publisher failed: ${this.failure.message}`);
  }
}
