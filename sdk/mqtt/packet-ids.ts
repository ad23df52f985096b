/**
 * PacketIdPool: packet identifiers for SUBSCRIBE and QoS 1 PUBLISH (§2.3.1). Ids run 1..65535
 * and wrap, skipping any still waiting for its acknowledgement, because reusing one in flight
 * would let the broker's PUBACK settle the wrong message [MQTT-2.3.1-2].
 */
import { FairwayError } from '../errors.js';
import { MAX_PACKET_ID } from './fields.js';

export class PacketIdPool {
  private readonly inUse = new Set<number>();
  private nextId = 1;

  get size(): number {
    return this.inUse.size;
  }

  /** The next free id after the last one taken; all 65535 in flight → capacity-exceeded. */
  take(): number {
    if (this.inUse.size >= MAX_PACKET_ID) {
      throw new FairwayError('capacity-exceeded', `all ${MAX_PACKET_ID} packet ids are waiting for acknowledgements`);
    }
    for (;;) {
      const id = this.nextId;
      this.nextId = id === MAX_PACKET_ID ? 1 : id + 1;
      if (!this.inUse.has(id)) {
        this.inUse.add(id);
        return id;
      }
    }
  }

  has(id: number): boolean {
    return this.inUse.has(id);
  }

  /** False when the id was not in use. */
  release(id: number): boolean {
    return this.inUse.delete(id);
  }

  clear(): void {
    this.inUse.clear();
  }
}
