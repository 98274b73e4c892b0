import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partyAgencies } from '../../adapters/registry.js';
import { compilePolicy } from './compile.js';
import { CATALOGUE, TEST_ISP } from './fixtures.js';
import { loadPolicy, parsePolicy } from './loader.js';
import { PolicyError, type PolicyFault } from './policy-error.js';

const FILE = 'testshire.yaml';

/** The fixture with one edit; fails loudly if the fixture no longer holds the text being edited. */
function variant(...edits: [from: string, to: string][]): string {
  return edits.reduce((text, [from, to]) => {
    expect(text).toContain(from);
    return text.replace(from, to);
  }, TEST_ISP);
}

function faultsOf(load: () => unknown): PolicyFault[] {
  try {
    load();
  } catch (error) {
    if (error instanceof PolicyError) return [...error.faults];
    throw error;
  }
  throw new Error('expected a PolicyError');
}

/** 1-based line of the first (or last) line containing `snippet`. */
function lineOf(text: string, snippet: string, which: 'first' | 'last' = 'first'): number {
  const index = which === 'first' ? text.indexOf(snippet) : text.lastIndexOf(snippet);
  return text.slice(0, index).split('\n').length;
}

describe('loadPolicy', () => {
  it('loads the partnership ISP with the purposes and roles the gateway relies on', () => {
    const isp = loadPolicy('policies/iom-partnership.yaml');
    expect(isp.id).toBe('northshire-iom-isp');
    expect(isp.purposes.map((purpose) => purpose.code)).toEqual(
      expect.arrayContaining(['iom-case-management', 'risk-management', 'safeguarding', 'enforcement', 'emergency']),
    );
    expect(isp.roles.map((role) => role.name)).toEqual(
      expect.arrayContaining([
        'police-offender-manager',
        'probation-practitioner',
        'prison-offender-manager',
        'housing-officer',
        'drug-worker',
        'iom-coordinator',
        'ig-officer',
      ]),
    );
    expect(isp.parties.map((party) => party.agency).sort()).toEqual([...partyAgencies].sort());
    const emergency = isp.purposes.find((purpose) => purpose.code === 'emergency');
    expect(emergency).toMatchObject({ requiresJustification: true, emergency: { maxMinutes: 60 } });
    expect(isp.roles.find((role) => role.name === 'ig-officer')?.auditOnly).toBe(true);
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'isp-')), 'broken.yaml');
    const text = variant(['    organisation: Testshire Council\n', '    organisation: Testshire Council\n   bad: indent\n']);
    writeFileSync(file, text);
    const [fault] = faultsOf(() => loadPolicy(file));
    expect(fault).toMatchObject({ file, line: lineOf(text, 'bad: indent'), column: 1 });
    expect(fault?.message).toMatch(/^YAML syntax: /);
    expect(() => loadPolicy(file)).toThrow(`${file}:${lineOf(text, 'bad: indent')}:1 (document): YAML syntax`);
  });

  it('names the file when it cannot be read', () => {
    const [fault] = faultsOf(() => loadPolicy('policies/no-such-protocol.yaml'));
    expect(fault).toMatchObject({ file: 'policies/no-such-protocol.yaml', message: expect.stringContaining('cannot be read') });
  });

  it('reports a missing field at the entry that lacks it', () => {
    const text = variant(['    title: Offending history\n', '']);
    expect(faultsOf(() => parsePolicy(text, FILE))).toEqual([
      { file: FILE, path: 'clauses[1].title', line: lineOf(text, '- id: C-02'), column: 5, message: 'is missing (expected string)' },
    ]);
  });

  it('reports a value of the wrong type with what was found', () => {
    const text = variant(['requiresJustification: false', 'requiresJustification: "no"']);
    expect(faultsOf(() => parsePolicy(text, FILE))).toEqual([
      {
        file: FILE,
        path: 'purposes[0].requiresJustification',
        line: lineOf(text, 'requiresJustification: "no"'),
        column: 5,
        message: 'expected boolean, found "no"',
      },
    ]);
  });

  it('reports an unknown field, and the field it displaced as missing', () => {
    const text = variant(['    title: Identity', '    titel: Identity']);
    expect(faultsOf(() => parsePolicy(text, FILE)).map(({ path, line, message }) => ({ path, line, message }))).toEqual([
      { path: 'clauses[0].title', line: lineOf(text, '- id: C-01'), message: 'is missing (expected string)' },
      { path: 'clauses[0].titel', line: lineOf(text, 'titel: Identity'), message: 'unknown field "titel"' },
    ]);
  });

  it('reports a choice outside the allowed set', () => {
    const text = variant(['conditions: [mappa-case]', 'conditions: [mappa]']);
    const [fault] = faultsOf(() => parsePolicy(text, FILE));
    expect(fault).toMatchObject({ path: 'clauses[3].conditions[0]', line: lineOf(text, 'conditions: [mappa]') });
    expect(fault?.message).toContain('must be one of in-active-cohort, consent-recorded, mappa-case, emergency; found "mappa"');
  });

  it('reports an impossible review date', () => {
    const text = variant(['reviewDate: "2025-01-31"', 'reviewDate: "2025-02-30"']);
    expect(faultsOf(() => parsePolicy(text, FILE))).toEqual([
      {
        file: FILE,
        path: 'clauses[5].reviewDate',
        line: lineOf(text, '"2025-02-30"'),
        column: 5,
        message: 'must be a calendar date written YYYY-MM-DD; found "2025-02-30"',
      },
    ]);
  });

  it('reports a clause naming an undeclared role, at the role', () => {
    const text = variant(['roles: [police-officer, coordinator]', 'roles: [police-officer, coordinater]']);
    const line = text.split('\n')[lineOf(text, 'coordinater') - 1] ?? '';
    expect(faultsOf(() => parsePolicy(text, FILE))).toEqual([
      {
        file: FILE,
        path: 'clauses[1].roles[1]',
        line: lineOf(text, 'coordinater'),
        column: line.indexOf('coordinater') + 1,
        message: 'role coordinater is not declared (declared: police-officer, housing-officer, coordinator, ig-officer)',
      },
    ]);
  });

  it('reports a clause naming an undeclared purpose', () => {
    const text = variant(['purposes: [mappa]', 'purposes: [mappa, housing-allocation]']);
    const [fault] = faultsOf(() => parsePolicy(text, FILE));
    expect(fault).toMatchObject({ path: 'clauses[3].purposes[1]', line: lineOf(text, 'housing-allocation') });
    expect(fault?.message).toMatch(/^purpose housing-allocation is not declared/);
  });

  it('reports a duplicate clause id, pointing at the first', () => {
    const text = variant(['- id: C-07', '- id: C-06']);
    expect(faultsOf(() => parsePolicy(text, FILE))).toEqual([
      {
        file: FILE,
        path: 'clauses[6].id',
        line: lineOf(text, '- id: C-06', 'last'),
        column: 5,
        message: 'duplicate id C-06 (first at clauses[5])',
      },
    ]);
  });

  it('refuses person data to an audit-only role', () => {
    const text = variant(['roles: [police-officer, coordinator]', 'roles: [police-officer, coordinator, ig-officer]']);
    const [fault] = faultsOf(() => parsePolicy(text, FILE));
    expect(fault).toMatchObject({ path: 'clauses[1].roles[2]', message: 'role ig-officer is audit-only and may receive no person data' });
  });

  it('refuses a clause granting a role a purpose the role may not use', () => {
    const text = variant([
      'roles: [police-officer, housing-officer]\n    purposes: [emergency]',
      'roles: [police-officer, coordinator]\n    purposes: [emergency]',
    ]);
    const [fault] = faultsOf(() => parsePolicy(text, FILE));
    expect(fault).toMatchObject({ path: 'clauses[4].roles[1]', message: expect.stringContaining('role coordinator may not use purpose emergency') });
  });

  it('requires an Art 9 condition for special-category data', () => {
    const text = variant(['      article9Condition: Art 9(2)(a) explicit consent\n', '']);
    const [fault] = faultsOf(() => parsePolicy(text, FILE));
    expect(fault).toMatchObject({
      path: 'clauses[2].lawfulBasis',
      message: 'grants special-category data item drugs.treatmentEngagement but states no article9Condition',
    });
  });

  it('requires break-glass clauses to depend on a declared emergency', () => {
    const text = variant(['conditions: [emergency]', 'conditions: []']);
    const [fault] = faultsOf(() => parsePolicy(text, FILE));
    expect(fault).toMatchObject({ path: 'clauses[4].conditions', line: lineOf(text, 'conditions: []') });
  });

  it('checks roles against the parties and the declared purposes', () => {
    const text = variant(
      ['    agency: housing\n    description', '    agency: prison\n    description'],
      ['purposes: [case-management, emergency]', 'purposes: [case-management, emergency, outreach]'],
    );
    expect(faultsOf(() => parsePolicy(text, FILE)).map(({ path, message }) => `${path}: ${message}`)).toEqual([
      'roles[1].agency: agency prison is not one of the parties',
      expect.stringMatching(/^roles\[1\]\.purposes\[2\]: purpose outreach is not declared/),
    ]);
  });

  it('lists every fault at once', () => {
    const text = variant(['reviewDate: "2025-01-31"', 'reviewDate: 31/01/2025'], ['    title: Identity\n', '']);
    const error = faultsOf(() => parsePolicy(text, FILE));
    expect(error.map((fault) => fault.path)).toEqual(['clauses[0].title', 'clauses[5].reviewDate']);
  });

  it('names the place of a data item the schema does not have when compiling', () => {
    const text = variant(['dataItems: [police.arrests]', 'dataItems: [police.arrests, police.shoeSize]']);
    const line = text.split('\n')[lineOf(text, 'police.shoeSize') - 1] ?? '';
    expect(faultsOf(() => compilePolicy(parsePolicy(text, FILE), CATALOGUE))).toEqual([
      {
        file: FILE,
        path: 'clauses[1].dataItems[1]',
        line: lineOf(text, 'police.shoeSize'),
        column: line.indexOf('police.shoeSize') + 1,
        message: "data item police.shoeSize is not in the schema's catalogue",
      },
    ]);
  });
});
