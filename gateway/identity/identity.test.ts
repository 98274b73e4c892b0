import { describe, expect, it } from 'vitest';
import type { IdentityRecord } from '../../adapters/kit/contract.js';
import { mintCro, mintPnc } from '../../schema/identifiers.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { indexOver } from './fixtures.js';
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

describeOnBackends('identity resolution', (backend) => {
  const database = useDatabase(backend);
  const indexOf = (records: IdentityRecord[]) => indexOver(database().admin, records);

  it('links records that share any partnership identifier, transitively', async () => {
    const records = [
      record('police', pncA, { pnc: pncA, cro: mintCro(1234, 15) }),
      record('probation', 'X100001', { cro: mintCro(1234, 15), crn: 'X100001', nomsNumber: 'A1234BC' }),
      record('prison', 'A1234BC', { nomsNumber: 'A1234BC' }),
    ];
    const index = await indexOf(records);
    expect(await index.size()).toBe(1);
    const person = await index.byIdentifier('nomsNumber', 'A1234BC');
    expect(person?.identifiers).toEqual({ pnc: pncA, cro: mintCro(1234, 15), nomsNumber: 'A1234BC', crn: 'X100001' });
    expect([...(person?.keys.keys() ?? [])]).toEqual(records.map((r) => r.agency));
  });

  it('gives the same gateway id whatever order the records arrive in', async () => {
    const records = [record('police', pncA, { pnc: pncA }), record('probation', 'X100001', { pnc: pncA, crn: 'X100001' })];
    const first = (await (await indexOf(records)).byIdentifier('crn', 'X100001'))?.id;
    const second = (await (await indexOf([...records].reverse())).byIdentifier('crn', 'X100001'))?.id;
    expect(first).toMatch(/^GW-[0-9A-F]{12}$/);
    expect(second).toBe(first);
  });

  it('never merges on name and date of birth: it proposes a probable match', async () => {
    const index = await indexOf([record('police', pncA, { pnc: pncA }), record('housing', 'HSG-000001', {})]);
    expect(await index.size()).toBe(2);
    const person = await index.byIdentifier('pnc', pncA);
    if (!person) throw new Error('not indexed');
    const [match] = await index.probableMatches(person);
    expect(match?.confidence).toBe('PROBABLE');
    expect(match?.person.keys.get('housing')).toEqual(['HSG-000001']);
  });

  it('does not propose people whose identifiers contradict each other', async () => {
    const index = await indexOf([record('police', pncA, { pnc: pncA }), record('police', pncB, { pnc: pncB })]);
    const person = await index.byIdentifier('pnc', pncA);
    if (!person) throw new Error('not indexed');
    expect(await index.probableMatches(person)).toEqual([]);
    expect((await index.search('Jonathan Smith', '1990-04-23', 10)).map((c) => c.confidence)).toEqual(['PROBABLE', 'PROBABLE']);
  });

  it('surfaces conflicting identifiers instead of hiding them', async () => {
    const index = await indexOf([
      record('police', pncA, { pnc: pncA, cro: mintCro(1, 15) }),
      record('prison', 'A1234BC', { pnc: pncA, cro: mintCro(2, 15), nomsNumber: 'A1234BC' }),
    ]);
    expect((await index.byIdentifier('pnc', pncA))?.conflicts).toEqual([
      {
        identifier: 'cro',
        values: [
          { value: mintCro(1, 15), agencies: ['police'] },
          { value: mintCro(2, 15), agencies: ['prison'] },
        ],
      },
    ]);
  });

  it('searches names in any order, tolerating spelling variants but never calling them certain', async () => {
    const index = await indexOf([record('police', pncA, { pnc: pncA })]);
    expect((await index.search('smith, jonathan', '1990-04-23', 5))[0]).toMatchObject({ confidence: 'PROBABLE', matchedOn: ['EXACT_NAME', 'DATE_OF_BIRTH'] });
    expect((await index.search('Jonathon Smyth', '1990-04-23', 5))[0]).toMatchObject({ confidence: 'POSSIBLE', matchedOn: ['SIMILAR_NAME', 'DATE_OF_BIRTH'] });
    expect((await index.search('Jonathan Smith', undefined, 5))[0]).toMatchObject({ confidence: 'POSSIBLE', matchedOn: ['EXACT_NAME'] });
    expect(await index.search('Jonathan Smith', '1990-04-24', 5)).toEqual([]);
    expect(await index.search('Peter Jones', '1990-04-23', 5)).toEqual([]);
  });
});

describe('name comparison', () => {
  it('normalises case, accents and punctuation', () => {
    expect(nameTokens("  Zoë O'Brien-Hart ")).toEqual(['zoe', 'o', 'brien', 'hart']);
    expect(compareNames(nameTokens('Anne Marie'), nameTokens('marie anne'))).toBe('exact');
    expect(compareNames(nameTokens('Ann'), nameTokens('Ann Marie'))).toBe('none');
  });
});
