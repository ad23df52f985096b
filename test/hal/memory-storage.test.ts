import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../sdk/testing/mocks/index.js';
import { describeStorageConformance } from '../../sdk/testing/index.js';
import { expectRejection } from '../../sdk/testing/expect-error.js';

describeStorageConformance(async () => {
  let storage = new MemoryStorage(4096);
  return {
    storage,
    capacityBytes: 4096,
    reopen: async () => (storage = storage.reopen()),
  };
});

describe('MemoryStorage', () => {
  it('closes the old handle when reopened', async () => {
    const storage = new MemoryStorage(100);
    await storage.write('blob', 0, Uint8Array.of(1));
    const reopened = storage.reopen();
    await expectRejection(() => storage.read('blob', 0, 1), 'closed');
    expect(await reopened.read('blob', 0, 1)).toEqual(Uint8Array.of(1));
  });

  it('refuses a negative capacity with invalid-argument', () => {
    expect(() => new MemoryStorage(-1)).toThrow(/invalid-argument/);
  });
});
