/**
 * The scaffold as a new developer runs it: into a copy of the project (its node_modules linked), then the type
 * check over the whole project and the new agency's conformance suite, neither of them edited by hand.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/generated.js';

const NAME = 'scaffolded';
let copy: string;
let printed: string;

const run = (command: string, args: string[]) =>
  execFileSync(join(copy, 'node_modules', '.bin', command), args, {
    cwd: copy,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 240_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'new-agency-'));
  // The project's own files as they stand (committed or not), without what git ignores.
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
  for (const file of files.filter((f) => f !== '' && f.split('/')[0] !== 'node_modules' && existsSync(join(ROOT, f)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  printed = run('tsx', ['scripts/new-agency.ts', NAME, '--title', 'Scaffolded Service']);
}, 120_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('npm run new-agency', () => {
  it('writes a complete folder, generated types and the registry line', () => {
    for (const file of [
      'openapi.yaml',
      'api.d.ts',
      'client.ts',
      'adapter.ts',
      'simulator.ts',
      'population.ts',
      'schema.graphql',
      'index.ts',
      `${NAME}.test.ts`,
      'conformance.test.ts',
    ]) {
      expect(existsSync(join(copy, 'adapters', NAME, file)), file).toBe(true);
    }
    expect(readFileSync(join(copy, 'adapters', 'registry.ts'), 'utf8')).toMatch(new RegExp(`import ${NAME} from './${NAME}/index.js';[\\s\\S]*, ${NAME}\\];`));
  });

  it('prints the ISP party, role and clause to add, and a policy case for every purpose of the ISP', () => {
    expect(printed).toContain(`  - agency: ${NAME}`);
    expect(printed).toContain(`  - name: ${NAME}-case-worker`);
    expect(printed).toContain(`dataItems: [${NAME}.caseStatus, ${NAME}.caseWorker]`);
    const purposes = [...readFileSync(join(ROOT, 'policies', 'iom-partnership.yaml'), 'utf8').matchAll(/^ {2}- code: ([a-z-]+)$/gm)].map((m) => m[1]);
    expect(purposes.length).toBeGreaterThan(3);
    for (const purpose of purposes) expect(printed).toContain(`{role: ${NAME}-case-worker, purpose: ${purpose},`);
  });

  it('passes the type check over the project and its own conformance suite and tests, untouched', () => {
    run('tsc', ['--noEmit', '-p', '.']);
    run('biome', ['check', `adapters/${NAME}`, 'adapters/registry.ts']);
    const output = run('vitest', ['run', `adapters/${NAME}`]);
    expect(output).toMatch(/Test Files\s+2 passed/);
  }, 300_000);

  it('prints ISP text that, pasted in as adapters/README.md says, passes the policy tests with the new role', () => {
    const section = (heading: string) => printed.split(`${heading}\n`)[1]?.split('\n\n')[0] ?? '';
    // The next free clause id, as the printed text asks.
    const ids = [...readFileSync(join(copy, 'policies/iom-partnership.yaml'), 'utf8').matchAll(/id: C-(\d+)/g)].map((m) => Number(m[1]));
    const clause = `C-${Math.max(...ids) + 1}`;
    const paste = (file: string, pairs: [string, string][]) => {
      let text = readFileSync(join(copy, file), 'utf8');
      for (const [list, added] of pairs)
        text = text.replace(`\n${list}:\n`, `\n${list}:\n${added.replaceAll('C-__', clause).replace('<the date the partnership reviews it>', '2099-12-31')}\n`);
      writeFileSync(join(copy, file), text);
    };
    paste('policies/iom-partnership.yaml', [
      ['parties', section('under parties:')],
      ['roles', section('under roles:')],
      ['clauses', section('under clauses (give the clause the next free id):')],
    ]);
    paste('policies/tests/iom-partnership.yaml', [
      ['cases', section('and to policies/tests/iom-partnership.yaml, under cases (every purpose for the new role; the clause id as above):')],
    ]);
    expect(run('tsx', ['scripts/policy-test.ts'])).toMatch(/ 0 failed\n$/);
  });

  it('refuses a name that is not lower-case letters, and an agency that exists', () => {
    expect(() => run('tsx', ['scripts/new-agency.ts', 'Bad-Name', '--title', 'X'])).toThrow(/lower-case letters/);
    expect(() => run('tsx', ['scripts/new-agency.ts', NAME, '--title', 'Again'])).toThrow(/exists already/);
  });
});
