/**
 * The two places SQLite and PostgreSQL spell a column differently, so one migration set can
 * serve both. Money and times are `bigint` everywhere (SQLite stores it as INTEGER).
 */
import type { ColumnDefinitionBuilder, ColumnDataType, CreateTableBuilder } from 'kysely';
import type { DialectName } from '../open.js';

/** Raw bytes: `blob` on SQLite, `bytea` on PostgreSQL. */
export function bytesType(dialect: DialectName): ColumnDataType {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}

/**
 * An auto-numbered primary key `id`. SQLite gets AUTOINCREMENT so an id is never reused
 * after the highest row is deleted (ledger ids are quoted in reports and audits);
 * PostgreSQL gets a bigserial, which never reuses numbers either.
 */
export function withSerialId<T extends string>(table: CreateTableBuilder<T, never>, dialect: DialectName): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigserial', (c: ColumnDefinitionBuilder) => c.primaryKey())
    : table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement());
}
