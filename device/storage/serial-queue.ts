/**
 * Runs async tasks one at a time, in call order. The storage manager puts every call that
 * reads or changes its table or blobs through one, so two reserves cannot both take the last
 * free bytes and a write cannot land in a slot a concurrent release is deleting.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // A failed task must not stall the ones queued behind it; its caller still sees the failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
