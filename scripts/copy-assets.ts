/** After `tsc`, puts the files modules read beside themselves (SDL, OpenAPI contracts, SQL migrations, console templates and stylesheet) into dist/. */
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './generated.js';

const ASSET = /\.(graphql|yaml|sql|njk|css)$/;

function copyAssets(dir: string): void {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (ASSET.test(entry.name)) cpSync(join(ROOT, path), join(ROOT, 'dist', path));
  }
}

for (const dir of ['schema', 'adapters', 'gateway']) copyAssets(dir);
