/**
 * What `npm run documents` writes: for each client folder under documents/, its manifest of the .graphql files in
 * it (sha256 of each file's text -> the text), keys sorted so that the committed file changes only with the documents.
 * Each file is one document (its operations and fragments), checked to parse before it is registered.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { DOCUMENTS_DIR, documentHash, MANIFEST_FILE } from './manifest.js';

export interface ManifestFile {
  path: string;
  contents: string;
}

export function manifestFiles(documentsDir: string = DOCUMENTS_DIR): ManifestFile[] {
  if (!existsSync(documentsDir)) return [];
  const files: ManifestFile[] = [];
  for (const entry of readdirSync(documentsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(documentsDir, entry.name);
    const entries: [string, string][] = [];
    for (const name of readdirSync(dir)
      .filter((file) => file.endsWith('.graphql'))
      .sort()) {
      const text = readFileSync(join(dir, name), 'utf8');
      try {
        parse(text);
      } catch (error) {
        throw new Error(`${join(dir, name)}: ${error instanceof Error ? error.message : String(error)}`);
      }
      entries.push([documentHash(text), text]);
    }
    entries.sort(([a], [b]) => a.localeCompare(b));
    files.push({ path: join(dir, MANIFEST_FILE), contents: `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n` });
  }
  return files;
}

/** Manifests whose committed text differs from what `npm run documents` now writes. */
export function staleManifests(documentsDir: string = DOCUMENTS_DIR): string[] {
  return manifestFiles(documentsDir)
    .filter((file) => !existsSync(file.path) || readFileSync(file.path, 'utf8') !== file.contents)
    .map((file) => file.path);
}
