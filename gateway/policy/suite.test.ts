import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, TEST_ISP } from './fixtures.js';
import { describeFault, PolicyError, type PolicyFault } from './policy-error.js';
import { runPolicySuite } from './suite.js';

const SUITES = readdirSync('policies/tests').filter((name) => name.endsWith('.yaml'));

function faultsOf(run: () => unknown): readonly PolicyFault[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyError) return error.faults;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

/** A suite file beside a copy of the test ISP. */
function suiteFile(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'isp-suite-'));
  writeFileSync(join(dir, 'testshire.yaml'), TEST_ISP);
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, `policy: testshire.yaml\nnow: "2026-12-01"\ncases:\n${body}`);
  return file;
}

describe('policy suites', () => {
  it.each(SUITES)('policies/tests/%s passes and exercises every role with every purpose', (name) => {
    const report = runPolicySuite(join('policies/tests', name), CATALOGUE);
    expect([...report.failures, ...report.uncovered].map(describeFault)).toEqual([]);
    expect(report.passed).toBeGreaterThan(0);
  });
});

describe('runPolicySuite', () => {
  const allow =
    '  - {role: police-officer, purpose: case-management, subject: {inActiveCohort: true}, dataItem: police.arrests, expect: allow, clause: C-02}\n';

  it('passes a case the ISP agrees with and reports the pairs no case exercises', () => {
    const report = runPolicySuite(suiteFile(allow), CATALOGUE);
    expect(report).toMatchObject({ policy: { id: 'testshire-isp', version: '1' }, passed: 1, failures: [] });
    expect(report.uncovered).toHaveLength(4 * 4 - 1);
    expect(report.uncovered[0]?.message).toBe('no case exercises police-officer × mappa');
  });

  it('reports a failing case at its line, with what was expected and what the ISP decided', () => {
    const file = suiteFile(
      allow +
        '  - {role: housing-officer, purpose: case-management, subject: {inActiveCohort: true}, dataItem: housing.address, expect: deny, reason: no-clause}\n' +
        '  - {role: coordinator, purpose: case-management, dataItem: housing.address, expect: allow, clause: C-07}\n',
    );
    const report = runPolicySuite(file, CATALOGUE);
    expect(report.passed).toBe(1);
    expect(report.failures.map(describeFault)).toEqual([
      `${file}:5:5 cases[1]: housing-officer / case-management / housing.address: expected deny (no-clause), got deny (clause-expired)`,
      `${file}:6:5 cases[2]: coordinator / case-management / housing.address: expected allow under C-07, got deny under C-07`,
    ]);
  });

  it('checks scope cases', () => {
    const report = runPolicySuite(
      suiteFile(
        '  - {role: police-officer, purpose: case-management, expect: in-scope}\n' + '  - {role: coordinator, purpose: case-management, expect: in-scope}\n',
      ),
      CATALOGUE,
    );
    expect(report.passed).toBe(1);
    expect(report.failures.map((fault) => fault.message)).toEqual(['police-officer / case-management / scope: expected in-scope, got out-of-scope']);
  });

  it('refuses a malformed case rather than letting it pass as a denial', () => {
    const file = suiteFile(
      allow +
        '  - {role: police-officer, purpose: case-management, dataItem: police.arrests, expect: deny, reason: forbidden}\n' +
        '  - {role: police-officer, purpose: case-management, expect: allow}\n' +
        '  - {role: police-officer, purpose: case-management, dataItem: police.arrests, expect: in-scope}\n',
    );
    expect(faultsOf(() => runPolicySuite(file, CATALOGUE)).map(({ line, path, message }) => `${line} ${path}: ${message}`)).toEqual([
      expect.stringMatching(/^5 cases\[1\]\.reason: must be one of no-clause, .*; found "forbidden"$/),
      '6 cases[2].dataItem: is missing (a case expecting allow names a data item)',
      '7 cases[3].dataItem: does not belong in a case expecting in-scope',
    ]);
  });

  it('refuses a case naming a role, purpose, data item or clause that does not exist', () => {
    const file = suiteFile(
      '  - {role: police-oficer, purpose: case-management, dataItem: police.arrests, expect: deny}\n' +
        '  - {role: police-officer, purpose: case-managment, dataItem: police.arrests, expect: deny}\n' +
        '  - {role: police-officer, purpose: case-management, dataItem: police.arrest, expect: deny}\n' +
        '  - {role: police-officer, purpose: case-management, dataItem: police.arrests, expect: allow, clause: C-99}\n',
    );
    expect(faultsOf(() => runPolicySuite(file, CATALOGUE)).map(({ line, path, message }) => `${line} ${path}: ${message}`)).toEqual([
      '4 cases[0].role: role police-oficer is not in testshire-isp',
      '5 cases[1].purpose: purpose case-managment is not in testshire-isp',
      "6 cases[2].dataItem: data item police.arrest is not in the schema's catalogue",
      '7 cases[3].clause: clause C-99 is not in testshire-isp',
    ]);
  });
});

describe('npm run policy:test', () => {
  const run = (...args: string[]) => spawnSync('node_modules/.bin/tsx', ['scripts/policy-test.ts', ...args], { encoding: 'utf8' });

  it('runs every suite against the schema and exits 0 when all pass', () => {
    const result = run();
    expect(result.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('prints a line per failing case and exits 1', () => {
    const file = suiteFile('  - {role: housing-officer, purpose: case-management, subject: {inActiveCohort: true}, dataItem: identity.name, expect: deny}\n');
    const result = run(file);
    expect(result.stdout).toContain(`FAIL ${file}:4:5 cases[0]: housing-officer / case-management / identity.name: expected deny, got allow`);
    expect(result.stdout).toMatch(/^0 passed, 1 failed, 15 role × purpose pairs not exercised$/m);
    expect(result.status).toBe(1);
  });
});
