import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles, ROOT } from '../scripts/generated.js';

describe('generated code', () => {
  it('every adapter has api.d.ts generated from its current openapi.yaml (run `npm run generate` if this fails)', async () => {
    const files = await generatedFiles();
    expect(files.length).toBeGreaterThanOrEqual(5);
    const stale = files
      .filter((file) => !existsSync(file.path) || readFileSync(file.path, 'utf8') !== file.contents)
      .map((file) => relative(ROOT, file.path));
    expect(stale).toEqual([]);
  });
});
