import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedFiles, ROOT, staleGeneratedFiles } from '../scripts/generated.js';

describe('generated adapter types', () => {
  const copy = mkdtempSync(join(tmpdir(), 'gateway-generated-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('are current for every adapter (if this fails, run `npm run generate`)', async () => {
    expect((await generatedFiles()).length).toBeGreaterThanOrEqual(5);
    expect(await staleGeneratedFiles()).toEqual([]);
  });

  it('are reported stale when an openapi.yaml changes without regenerating', async () => {
    cpSync(join(ROOT, 'adapters'), join(copy, 'adapters'), { recursive: true });
    const spec = join(copy, 'adapters', 'police', 'openapi.yaml');
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8')
        .replace(/^info:\n/m, 'info:\n  x-edited: true\n')
        .replace(/\n {2}schemas:\n/, '\n  schemas:\n    AddedByHand:\n      type: object\n      properties:\n        note:\n          type: string\n'),
    );
    expect(await staleGeneratedFiles(copy)).toEqual([join('adapters', 'police', 'api.d.ts')]);
  });
});
