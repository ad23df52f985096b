/**
 * A refusal of a catalog folder, naming the file and, where there is one, the field and line,
 * so an operator can fix the YAML without reading code. Nothing is imported when one is thrown.
 */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly field?: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${detail}`);
  }
}
