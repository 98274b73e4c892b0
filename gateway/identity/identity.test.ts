import { describe, expect, it } from 'vitest';
import type { IdentityRecord } from '../../adapters/kit/contract.js';
import { mintCro, mintPnc } from '../../schema/identifiers.js';
import { IdentityIndex } from './index-of-people.js';
import { compareNames, nameTokens } from './match.js';

const pncA = mintPnc(2015, 12345);
const pncB = mintPnc(2016, 777);
const record = (agency: string, key: string, identifiers: IdentityRecord['identifiers'], name = ['Jonathan', 'Smith'], dob = '1990-04-23'): IdentityRecord => ({
  agency,
  key,
  identifiers,
  givenName: name[0] as string,
  familyName: name[1] as string,
  dateOfBirth: dob,
});

describe('identity resolution', () => {
  it('links records that share any partnership identifier, transitively', () => {
    const records = [
      record('police', pncA, { pnc: pncA, cro: mintCro(1234, 15) }),
      record('probation', 'X100001', { cro: mintCro(1234, 15), crn: 'X100001', nomsNumber: 'A1234BC' }),
      record('prison', 'A1234BC', { nomsNumber: 'A1234BC' }),
    ];
    const index = new IdentityIndex(records);
    expect(index.size).toBe(1);
    const person = index.byIdentifier('nomsNumber', 'A1234BC');
    expect(person?.identifiers).toEqual({ pnc: pncA, cro: mintCro(1234, 15), nomsNumber: 'A1234BC', crn: 'X100001' });
    expect([...(person?.keys.keys() ?? [])]).toEqual(records.map((r) => r.agency));
  });

  it('gives the same gateway id whatever order the records arrive in', () => {
    const records = [record('police', pncA, { pnc: pncA }), record('probation', 'X100001', { pnc: pncA, crn: 'X100001' })];
    const first = new IdentityIndex(records).byIdentifier('crn', 'X100001')?.id;
    const second = new IdentityIndex([...records].reverse()).byIdentifier('crn', 'X100001')?.id;
    expect(first).toMatch(/^GW-[0-9A-F]{12}$/);
    expect(second).toBe(first);
  });

  it('never merges on name and date of birth: it proposes a probable match', () => {
    const index = new IdentityIndex([record('police', pncA, { pnc: pncA }), record('housing', 'HSG-000001', {})]);
    expect(index.size).toBe(2);
    const person = index.byIdentifier('pnc', pncA);
    if (!person) throw new Error('not indexed');
    const [match] = index.probableMatches(person);
    expect(match?.confidence).toBe('PROBABLE');
    expect(match?.person.keys.get('housing')).toEqual(['HSG-000001']);
  });

  it('does not propose people whose identifiers contradict each other', () => {
    const index = new IdentityIndex([record('police', pncA, { pnc: pncA }), record('police', pncB, { pnc: pncB })]);
    const person = index.byIdentifier('pnc', pncA);
    if (!person) throw new Error('not indexed');
    expect(index.probableMatches(person)).toEqual([]);
    expect(index.search('Jonathan Smith', '1990-04-23', 10).map((c) => c.confidence)).toEqual(['PROBABLE', 'PROBABLE']);
  });

  it('surfaces conflicting identifiers instead of hiding them', () => {
    const index = new IdentityIndex([
      record('police', pncA, { pnc: pncA, cro: mintCro(1, 15) }),
      record('prison', 'A1234BC', { pnc: pncA, cro: mintCro(2, 15), nomsNumber: 'A1234BC' }),
    ]);
    expect(index.byIdentifier('pnc', pncA)?.conflicts).toEqual([
      {
        identifier: 'cro',
        values: [
          { value: mintCro(1, 15), agencies: ['police'] },
          { value: mintCro(2, 15), agencies: ['prison'] },
        ],
      },
    ]);
  });

  it('searches names in any order, tolerating spelling variants but never calling them certain', () => {
    const index = new IdentityIndex([record('police', pncA, { pnc: pncA })]);
    expect(index.search('smith, jonathan', '1990-04-23', 5)[0]).toMatchObject({ confidence: 'PROBABLE', matchedOn: ['EXACT_NAME', 'DATE_OF_BIRTH'] });
    expect(index.search('Jonathon Smyth', '1990-04-23', 5)[0]).toMatchObject({ confidence: 'POSSIBLE', matchedOn: ['SIMILAR_NAME', 'DATE_OF_BIRTH'] });
    expect(index.search('Jonathan Smith', undefined, 5)[0]).toMatchObject({ confidence: 'POSSIBLE', matchedOn: ['EXACT_NAME'] });
    expect(index.search('Jonathan Smith', '1990-04-24', 5)).toEqual([]);
    expect(index.search('Peter Jones', '1990-04-23', 5)).toEqual([]);
  });
});

describe('name comparison', () => {
  it('normalises case, accents and punctuation', () => {
    expect(nameTokens("  Zoë O'Brien-Hart ")).toEqual(['zoe', 'o', 'brien', 'hart']);
    expect(compareNames(nameTokens('Anne Marie'), nameTokens('marie anne'))).toBe('exact');
    expect(compareNames(nameTokens('Ann'), nameTokens('Ann Marie'))).toBe('none');
  });
});
