/**
 * Runs `work` over `items` with at most `limit` running at once, starting no new item once
 * `deadlineMs` (performance.now time) has passed: a fleet connects in waves the broker can
 * accept, and a time budget bounds the bench. Resolves with how many items were started.
 */
export async function runLimited<T>(items: readonly T[], limit: number, deadlineMs: number, work: (item: T, index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && performance.now() < deadlineMs) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return next;
}
