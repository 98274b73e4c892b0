/**
 * npm run new-agency -- <name> --title "<Title>" [--root DIR]
 * Writes adapters/<name>/ from the scaffold (adapters/kit/scaffold.ts), generates its api.d.ts, adds its line to
 * adapters/registry.ts, and prints the ISP clauses and policy test cases to add. The folder passes the type check
 * and the conformance suite as written; nobody sees its data until the ISP grants it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { scaffoldAgency } from '../adapters/kit/scaffold.js';
import { generatedFiles, ROOT } from './generated.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { title: { type: 'string' }, root: { type: 'string' } } });
const [name] = positionals;
if (name === undefined || values.title === undefined || positionals.length !== 1) {
  console.error('usage: npm run new-agency -- <name> --title "<Title>"   (name: lower-case letters, e.g. youth)');
  process.exit(2);
}
const root = values.root ?? ROOT;
const folder = join(root, 'adapters', name);
if (existsSync(folder)) {
  console.error(`adapters/${name} exists already: choose another name, or remove the folder first.`);
  process.exit(2);
}

const isp = parse(readFileSync(join(root, 'policies', 'iom-partnership.yaml'), 'utf8')) as { purposes?: { code: string }[] };
let scaffold: ReturnType<typeof scaffoldAgency>;
try {
  scaffold = scaffoldAgency({ name, title: values.title, purposes: (isp.purposes ?? []).map((p) => p.code) });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}

mkdirSync(folder);
for (const [file, contents] of scaffold.files) writeFileSync(join(folder, file), contents);
for (const file of await generatedFiles(root)) {
  if (file.path.startsWith(folder)) writeFileSync(file.path, file.contents);
}

const registryPath = join(root, 'adapters', 'registry.ts');
const registry = readFileSync(registryPath, 'utf8');
const list = /export const agencies: readonly AgencyModule\[\] = \[([^\]]*)\];/;
if (!list.test(registry)) throw new Error('adapters/registry.ts no longer has its one list of agencies');
writeFileSync(
  registryPath,
  registry
    .replace(
      "import type { AgencyModule } from './kit/contract.js';",
      `import type { AgencyModule } from './kit/contract.js';\nimport ${name} from './${name}/index.js';`,
    )
    .replace(list, (_all, names: string) => `export const agencies: readonly AgencyModule[] = [${names}, ${name}];`),
);
// Formatted as `npm test` checks it (import order, line width).
execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['check', '--write', relative(root, folder), 'adapters/registry.ts'], { cwd: root, stdio: 'ignore' });

console.log(`Wrote adapters/${name}/ (${[...scaffold.files.keys(), 'api.d.ts'].join(', ')}) and its line in adapters/registry.ts.

Nobody sees its data until the ISP grants it. Add to policies/iom-partnership.yaml:

under parties:
${scaffold.isp.party}
under roles:
${scaffold.isp.role}
under clauses (give the clause the next free id):
${scaffold.isp.clauses}
and to policies/tests/iom-partnership.yaml, under cases (every purpose for the new role; the clause id as above):
${scaffold.policyCases}
Then: write openapi.yaml as the real system's contract, npm run generate, follow the type check through client.ts,
adapter.ts, simulator.ts, population.ts and schema.graphql, and run npm test.`);
