/**
 * Registers each client's trusted documents: writes documents/<client>/persisted-documents.json from the .graphql
 * files beside it, and prints each document's id for the client to send (`{"documentId": "sha256:<hex>"}`).
 */
import { writeFileSync } from 'node:fs';
import { manifestFiles } from '../gateway/documents/register.js';

for (const file of manifestFiles()) {
  writeFileSync(file.path, file.contents);
  const ids = Object.keys(JSON.parse(file.contents) as Record<string, string>);
  console.log(`wrote ${file.path}: ${ids.length} documents`);
  for (const id of ids) console.log(`  sha256:${id}`);
}
