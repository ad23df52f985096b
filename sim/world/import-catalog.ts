/**
 * Loads every title folder under a catalog folder (or one title folder itself) into a running
 * store, the way an operator's `fairway store catalog import` does (prepareTitle, then
 * saveTitle). A title already in the catalog is left as it is, so importing the same folder
 * again adds nothing.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { menuPage } from '../../broker/catalog/catalog-reader.js';
import { prepareTitle, TITLE_FILE } from '../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../broker/catalog/save-title.js';
import { readTitleFile } from '../../broker/catalog/title-file.js';
import type { RunningStore } from '../../broker/store.js';
import { NodeCrypto } from '../../device/ports/node/index.js';
import { FairwayError } from '../../sdk/errors.js';
import type { MessageOf } from '../../sdk/wire/index.js';

export type MenuEntry = MessageOf<'menu'>['titles'][number];

/** A title of the world as the menu shows it, and whether this run imported it. */
export interface WorldTitle extends MenuEntry {
  folder: string;
  /** false: the title was already in the store's catalog and was reused as it is. */
  imported: boolean;
}

const MENU_PAGE = 100;

export async function importCatalog(store: RunningStore, catalogDir: string, nowMs: number): Promise<WorldTitle[]> {
  const folders = await titleFolders(catalogDir);
  const db = store.database.db;
  const crypto = new NodeCrypto();
  const found: { id: string; folder: string; imported: boolean }[] = [];
  for (const folder of folders) {
    const { id } = await readTitleFile(join(folder, TITLE_FILE));
    const present = await db.selectFrom('titles').select('id').where('id', '=', id).executeTakeFirst();
    if (!present) {
      const prepared = await prepareTitle(folder, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid });
      await saveTitle(db, prepared, folder, nowMs);
    }
    found.push({ id, folder, imported: !present });
  }
  const menu = await wholeMenu(store);
  return found.map(({ id, folder, imported }) => {
    const entry = menu.get(id);
    if (!entry) throw new FairwayError('not-found', `title ${id} is in the catalog but not on the menu (it has no parts)`, 'catalogDir');
    return { ...entry, folder, imported };
  });
}

/** The folder itself when it holds a title.yaml; otherwise its sub-folders that do, by name (the import order). */
async function titleFolders(catalogDir: string): Promise<string[]> {
  if (await isFile(join(catalogDir, TITLE_FILE))) return [catalogDir];
  let entries;
  try {
    entries = await readdir(catalogDir, { withFileTypes: true });
  } catch (e) {
    throw new FairwayError('not-found', `cannot read the catalog folder ${catalogDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'catalogDir');
  }
  const folders: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (await isFile(join(catalogDir, entry.name, TITLE_FILE))) folders.push(join(catalogDir, entry.name));
  }
  if (folders.length === 0) throw new FairwayError('not-found', `no title folders (a folder with ${TITLE_FILE}) in ${catalogDir}`, 'catalogDir');
  return folders;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function wholeMenu(store: RunningStore): Promise<Map<string, MenuEntry>> {
  const entries = new Map<string, MenuEntry>();
  let after: string | undefined;
  for (;;) {
    const page = await menuPage(store.database.db, after, MENU_PAGE);
    for (const title of page.titles) entries.set(title.title, title);
    const last = page.titles.at(-1);
    if (!page.more || !last) return entries;
    after = last.title;
  }
}
