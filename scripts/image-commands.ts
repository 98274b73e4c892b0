/**
 * In the image only the compiled JavaScript is run: this rewrites the image's package.json so that every npm
 * script running a source file with tsx runs its compiled form (`tsx scripts/ledger.ts` becomes
 * `node dist/scripts/ledger.js`), and `npm run ledger` works inside the image as it does in a checkout.
 * Run by docker/Dockerfile after the build: `node dist/scripts/image-commands.js package.json`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

export function compiledCommand(command: string): string {
  return command.replace(/\btsx ((?:[\w.-]+\/)*[\w.-]+)\.ts\b/g, 'node dist/$1.js');
}

export function compiledScripts(scripts: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(scripts).map(([name, command]) => [name, compiledCommand(command)]));
}

const PackageJson = z.looseObject({ scripts: z.record(z.string(), z.string()) });

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2] ?? 'package.json';
  const manifest = PackageJson.parse(JSON.parse(readFileSync(file, 'utf8')));
  writeFileSync(file, `${JSON.stringify({ ...manifest, scripts: compiledScripts(manifest.scripts) }, null, 2)}\n`);
}
