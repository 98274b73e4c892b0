/**
 * adapters/registry.ts is the only list of agencies. Outside adapters/, code may name an agency it is about (the
 * eligibility rules read probation and police), but a line naming three or more agencies is a list, and a list
 * elsewhere is one more place a new agency would have to be added by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agencyNames } from '../adapters/registry.js';
import { ROOT } from '../scripts/generated.js';

/** The folders whose code must not enumerate agencies; docs, the ISP (policies/) and deployment files are data about them. */
const CHECKED = ['gateway', 'schema', 'tests', 'scripts'];
const EXTENSIONS = /\.(ts|graphql)$/;
/** This file, whose own examples are lists. */
const SELF = fileURLToPath(import.meta.url);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return EXTENSIONS.test(entry.name) ? [path] : [];
  });
}

/**
 * The agencies a line names as agencies: a quoted name or a word of prose. A section or data item (`person.police`,
 * `police.arrests`, `police {`) and a variable (`const police =`) are the code of one agency, not a list.
 */
function agenciesNamedIn(line: string, names: readonly string[]): string[] {
  return names.filter((name) => new RegExp(`(^|[^A-Za-z0-9_.$-])${name}(?![A-Za-z0-9_$-])(?!\\.[A-Za-z])(?!\\s*[{(=?:])`).test(line));
}

/** Lines naming three or more agencies: `file:line: text`. */
function agencyLists(root: string, names: readonly string[]): string[] {
  return CHECKED.flatMap((folder) => filesUnder(join(root, folder)))
    .filter((file) => file !== SELF)
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (agenciesNamedIn(line, names).length >= 3 ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('adapters/registry.ts is the only list of agencies', () => {
  it('no file in gateway/, schema/, tests/ or scripts/ names agencies in a list', () => {
    expect(agencyLists(ROOT, agencyNames)).toEqual([]);
  });

  it('would catch a list written as an array, a union type, an enum or prose', () => {
    const names = ['police', 'probation', 'prison', 'housing', 'drugs'];
    for (const line of [
      "const AGENCIES = ['police', 'probation', 'prison', 'housing', 'drugs'] as const;",
      "type Agency = 'police' | 'prison' | 'housing';",
      "agency: z.enum(['police', 'probation', 'drugs', 'iom']),",
      '"The agency that reported it: police, probation, prison, housing or drugs."',
    ]) {
      expect(agenciesNamedIn(line, names).length, line).toBeGreaterThanOrEqual(3);
    }
    expect(agenciesNamedIn('const police = person.police; probation { sentence } prison.inCustody', names)).toEqual([]);
  });
});
