import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { generatedFiles, ROOT } from './generated.js';

for (const file of await generatedFiles()) {
  writeFileSync(file.path, file.contents);
  console.log(`wrote ${relative(ROOT, file.path)}`);
}
