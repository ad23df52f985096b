/** `fairway store catalog import|list`: title folders in, menu out. */
import type { Command } from 'commander';
import { menuPage } from '../../../broker/catalog/catalog-reader.js';
import { prepareTitle } from '../../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../../broker/catalog/save-title.js';
import { NodeCrypto } from '../../../device/ports/node/index.js';
import { print, storeOptions, table, withStore, type StoreCliOptions } from './shared.js';

export function registerCatalog(store: Command): void {
  const catalog = store.command('catalog').description('The catalog: import title folders, list titles');
  storeOptions(catalog.command('import <dirs...>').description('Import title folders (each a title.yaml and its part files)')).action(async (dirs: string[], o: StoreCliOptions) => {
    await withStore(o, async ({ database, content, key }) => {
      const imported: { title: string; parts: number; sizeBytes: number }[] = [];
      for (const dir of dirs) {
        const prepared = await prepareTitle(dir, { content, crypto: new NodeCrypto(), storeSigner: key.signer, storeKid: key.kid });
        await saveTitle(database.db, prepared, dir, Date.now());
        imported.push({ title: prepared.file.id, parts: prepared.parts.length, sizeBytes: prepared.parts.reduce((s, p) => s + p.sizeBytes, 0) });
      }
      print(o, imported, () => imported.map((t) => `imported ${t.title}: ${t.parts} parts, ${t.sizeBytes.toLocaleString('en-US')} bytes`).join('\n'));
    });
  });
  storeOptions(catalog.command('list').description('List the titles as terminals see the menu')).action(async (o: StoreCliOptions) => {
    await withStore(o, async ({ database }) => {
      const { titles } = await menuPage(database.db, undefined, 10_000);
      print(o, titles, () => table(['title', 'name', 'category', 'parts', 'bytes', 'first price', 'advert'], titles.map((t) => [t.title, t.name, t.category, t.parts, t.sizeBytes, t.firstPrice, t.advert ? 'yes' : ''])));
    });
  });
}
