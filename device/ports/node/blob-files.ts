/**
 * How FileStorage names the file for a blob. Blob names are case-sensitive but macOS and Windows
 * file systems usually are not, so each capital letter is written as '+' and its lower case
 * ('Ab' is stored as '+ab'). '+' cannot occur in a blob name, so the mapping is reversible, and
 * files that do not decode to a blob name (editor backups, .DS_Store) are not blobs.
 */
import { BLOB_NAME } from '../../../sdk/hal/storage.js';

export function fileNameForBlob(blobName: string): string {
  return blobName.replace(/[A-Z]/g, (capital) => `+${capital.toLowerCase()}`);
}

/** The blob stored in `fileName`, or undefined when the file is not one of ours. */
export function blobNameForFile(fileName: string): string | undefined {
  const blobName = fileName.replace(/\+([a-z])/g, (_, letter: string) => letter.toUpperCase());
  if (!BLOB_NAME.test(blobName) || fileNameForBlob(blobName) !== fileName) return undefined;
  return blobName;
}
