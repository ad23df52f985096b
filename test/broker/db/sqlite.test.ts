/**
 * The data layer and the ledger on SQLite (the embedded default): one temporary folder per
 * test file, a new database file per test.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, parseDatabaseUrl } from '../../../broker/db/index.js';
import { FairwayError } from '../../../sdk/errors.js';
import { describeLedgerProperties } from '../ledger/ledger-properties.js';
import { describeLedger } from '../ledger/ledger-suite.js';
import { describeDataLayer } from './data-layer-suite.js';
import { sqliteFactory } from './test-databases.js';

const factory = sqliteFactory();
afterAll(() => factory.cleanup());

describeDataLayer('SQLite', factory.openFresh);
describeLedger('SQLite', factory.openFresh);
describeLedgerProperties('SQLite', factory.openFresh);

describe('SQLite specifics', () => {
  it('opens the file with WAL, synchronous=FULL, foreign keys and a busy timeout', async () => {
    const fresh = await factory.openFresh();
    const handle = fresh.open();
    try {
      const pragma = async (name: string) => {
        const { rows } = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(handle.db);
        return Object.values(rows[0] ?? {})[0];
      };
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
      expect(handle.dialect).toBe('sqlite');
    } finally {
      await handle.close();
    }
  });

  it('reads database URLs: sqlite:, bare paths, postgres://, and refuses other schemes', () => {
    expect(parseDatabaseUrl('sqlite:data/store.db')).toEqual({ dialect: 'sqlite', path: 'data/store.db' });
    expect(parseDatabaseUrl('sqlite:///var/lib/fairway.db')).toEqual({ dialect: 'sqlite', path: '/var/lib/fairway.db' });
    expect(parseDatabaseUrl('/tmp/x.db')).toEqual({ dialect: 'sqlite', path: '/tmp/x.db' });
    expect(parseDatabaseUrl('postgres://u:p@h:5432/d')).toEqual({ dialect: 'postgres', url: 'postgres://u:p@h:5432/d' });
    expect(parseDatabaseUrl('postgresql://h/d').dialect).toBe('postgres');
    expect(() => parseDatabaseUrl('mysql://h/d')).toThrow(FairwayError);
    expect(() => parseDatabaseUrl('')).toThrow(FairwayError);
    expect(() => openDatabase('sqlite:')).toThrow(FairwayError);
  });
});
