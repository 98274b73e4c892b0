/**
 * Generated code, one place: TypeScript types from each adapter's openapi.yaml (openapi-typescript).
 * `npm run generate` writes them; the staleness test compares what is committed with what this produces.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

const HEADER = '// Generated from openapi.yaml by openapi-typescript (npm run generate). Do not edit by hand.\n\n';

export interface GeneratedFile {
  path: string;
  contents: string;
}

export async function generatedFiles(root = ROOT): Promise<GeneratedFile[]> {
  const adaptersDir = join(root, 'adapters');
  const files: GeneratedFile[] = [];
  for (const entry of readdirSync(adaptersDir, { withFileTypes: true })) {
    const spec = join(adaptersDir, entry.name, 'openapi.yaml');
    if (!entry.isDirectory() || !existsSync(spec)) continue;
    const ast = await openapiTS(pathToFileURL(spec));
    files.push({ path: join(adaptersDir, entry.name, 'api.d.ts'), contents: HEADER + astToString(ast) });
  }
  return files;
}

/** Generated files whose committed text differs from what the generator now produces, relative to `root`. */
export async function staleGeneratedFiles(root = ROOT): Promise<string[]> {
  return (await generatedFiles(root))
    .filter((file) => !existsSync(file.path) || readFileSync(file.path, 'utf8') !== file.contents)
    .map((file) => relative(root, file.path));
}
