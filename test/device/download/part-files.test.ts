import { describe, expect, it } from 'vitest';
import { memoryPartFiles, storagePartFiles } from '../../../device/download/part-files.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { expectKind, expectKindSync } from '../../support/expect-fairway.js';

const NAMES = { data: 'part-golf-h02', bits: 'part-golf-h02.missing' };

describe('part files over the HAL storage', () => {
  it('has no bitmap and no data before anything was saved', async () => {
    const files = storagePartFiles(new MemoryStorage(1 << 20), NAMES);
    expect(await files.loadBitmap()).toBeNull();
    expect(await files.readData(0, 1024)).toEqual(new Uint8Array(0));
  });

  it('keeps data and bitmap in two blobs that survive a reboot', async () => {
    const storage = new MemoryStorage(1 << 20);
    const files = storagePartFiles(storage, NAMES);
    await files.writeData(2048, new Uint8Array([1, 2, 3]));
    await files.saveBitmap(new Uint8Array([0xff, 0x80]));
    await files.saveBitmap(new Uint8Array([0x7f, 0x00]));
    const rebooted = storage.reopen();
    const again = storagePartFiles(rebooted, NAMES);
    expect(await again.loadBitmap()).toEqual(new Uint8Array([0x7f, 0x00]));
    expect(await again.readData(2047, 5)).toEqual(new Uint8Array([0, 1, 2, 3]));
    expect((await rebooted.list()).map((b) => b.name)).toEqual([NAMES.data, NAMES.bits]);
  });

  it('passes storage failures through with their kind', async () => {
    const files = storagePartFiles(new MemoryStorage(100), NAMES);
    await expectKind(() => files.writeData(0, new Uint8Array(101)), 'capacity-exceeded');
  });

  it('refuses names that are not blob names, or the same name twice', () => {
    const storage = new MemoryStorage(1024);
    expectKindSync(() => storagePartFiles(storage, { data: 'a/b', bits: 'c' }), 'invalid-argument');
    expectKindSync(() => storagePartFiles(storage, { data: 'a', bits: '.hidden' }), 'invalid-argument');
    expectKindSync(() => storagePartFiles(storage, { data: 'same', bits: 'same' }), 'invalid-argument');
  });
});

describe('part files in memory', () => {
  it('reads back what was written, zeros in gaps, and less past the end', async () => {
    const files = memoryPartFiles();
    await files.writeData(4, new Uint8Array([9, 9]));
    expect(await files.readData(0, 100)).toEqual(new Uint8Array([0, 0, 0, 0, 9, 9]));
    expect(await files.readData(10, 4)).toEqual(new Uint8Array(0));
    expect(files.dataBytes()).toEqual(new Uint8Array([0, 0, 0, 0, 9, 9]));
  });

  it('hands out copies of the bitmap, so later changes to a buffer do not leak in', async () => {
    const files = memoryPartFiles();
    expect(await files.loadBitmap()).toBeNull();
    const bits = new Uint8Array([0xf0]);
    await files.saveBitmap(bits);
    bits[0] = 0;
    expect(await files.loadBitmap()).toEqual(new Uint8Array([0xf0]));
  });

  it('refuses negative or fractional offsets and lengths', async () => {
    const files = memoryPartFiles();
    await expectKind(() => files.writeData(-1, new Uint8Array(1)), 'invalid-argument');
    await expectKind(() => files.readData(0.5, 1), 'invalid-argument');
    await expectKind(() => files.readData(0, -2), 'invalid-argument');
  });
});
