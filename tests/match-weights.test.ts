/**
 * The weights behind each candidate of `people(...)`, on the synthetic population's deliberate wrinkles: what a
 * person checking a match reads, over HTTP, from the agencies' real identity feeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRINKLES } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { startTestSystem, type TestSystem } from './harness.js';

const SEARCH = /* GraphQL */ `
  query Search($n: String!, $d: Date) {
    people(name: $n, dateOfBirth: $d) {
      confidence matchWeight
      weights { field agreement weight m u }
      person { id identifiers { pnc crn } }
    }
  }
`;

interface FieldWeight {
  field: string;
  agreement: string;
  weight: number;
  m: number;
  u: number;
}
interface Match {
  confidence: string;
  matchWeight: number;
  weights: FieldWeight[];
  person: { id: string; identifiers: { pnc: string | null; crn: string | null } };
}

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ timeoutMs: 800 });
});
afterAll(async () => {
  await system.close();
});

const personAt = (index: number) => system.population.people[index] as SyntheticPerson;
async function search(name: string, dateOfBirth?: string): Promise<Match[]> {
  const { body } = await system.query(SEARCH, { n: name, ...(dateOfBirth ? { d: dateOfBirth } : {}) });
  expect(body.errors).toBeUndefined();
  return body.data?.people as Match[];
}
const field = (match: Match, name: string) => match.weights.find((w) => w.field === name) as FieldWeight;

describe('Fellegi–Sunter weights behind each candidate', () => {
  it('shows an exact name and date of birth as three agreeing fields whose weights make the match weight', async () => {
    const person = personAt(WRINKLES.readmeExample);
    const [match] = (await search(`${person.givenName} ${person.familyName}`, person.dateOfBirth)).filter(
      (m) => m.person.identifiers.pnc === person.identifiers.pnc,
    );
    expect(match?.confidence).toBe('PROBABLE');
    expect(match?.weights.map((w) => [w.field, w.agreement])).toEqual([
      ['GIVEN_NAME', 'EXACT'],
      ['FAMILY_NAME', 'EXACT'],
      ['DATE_OF_BIRTH', 'EXACT'],
    ]);
    for (const w of match?.weights ?? []) {
      expect(w.weight).toBeGreaterThan(0);
      expect(w.weight).toBeCloseTo(Math.log2(w.m / w.u), 1);
    }
    expect(match?.matchWeight).toBeCloseTo(
      (match?.weights ?? []).reduce((sum, w) => sum + w.weight, 0),
      1,
    );
  });

  it('gives the same weights to two different people with the same name and date of birth, and links neither to the other', async () => {
    const [a, b] = WRINKLES.sameNameAndDateOfBirth.map(personAt) as [SyntheticPerson, SyntheticPerson];
    const matches = (await search(`${a.givenName} ${a.familyName}`, a.dateOfBirth)).filter((m) =>
      [a.identifiers.pnc, b.identifiers.pnc].includes(m.person.identifiers.pnc),
    );
    expect(matches).toHaveLength(2);
    expect(matches[0]?.person.id).not.toBe(matches[1]?.person.id);
    expect(matches.every((m) => m.confidence === 'PROBABLE')).toBe(true);
    expect(matches[0]?.matchWeight).toBe(matches[1]?.matchWeight);
    // The shared name and date are counted as values two records hold: less than a value held once.
    expect(field(matches[0] as Match, 'DATE_OF_BIRTH').u).toBeGreaterThan(0);
  });

  it('counts agreement on a common family name for less than agreement on a rare one', async () => {
    const people = system.population.people.filter((p) => p.identifiers.pnc !== null);
    const counts = new Map<string, number>();
    for (const p of system.population.people) counts.set(p.familyName, (counts.get(p.familyName) ?? 0) + 1);
    const byFrequency = [...people].sort((x, y) => (counts.get(y.familyName) ?? 0) - (counts.get(x.familyName) ?? 0));
    const [common, rare] = [byFrequency[0], byFrequency.at(-1)] as [SyntheticPerson, SyntheticPerson];
    expect(counts.get(common.familyName)).toBeGreaterThan(2 * (counts.get(rare.familyName) ?? 0));
    const weightOf = async (p: SyntheticPerson) => {
      const match = (await search(`${p.givenName} ${p.familyName}`, p.dateOfBirth)).find((m) => m.person.identifiers.pnc === p.identifiers.pnc) as Match;
      return field(match, 'FAMILY_NAME');
    };
    const [commonWeight, rareWeight] = [await weightOf(common), await weightOf(rare)];
    expect(commonWeight.agreement).toBe('EXACT');
    expect(commonWeight.u).toBeGreaterThan(rareWeight.u);
    expect(commonWeight.weight).toBeLessThan(rareWeight.weight);
  });

  it('weighs a misspelt family name as SIMILAR: a possible candidate, never a probable one', async () => {
    const person = personAt(WRINKLES.spellingVariant);
    const misspelt = `${person.familyName}${person.familyName.at(-1)}`;
    const match = (await search(`${person.givenName} ${misspelt}`, person.dateOfBirth)).find((m) => m.person.identifiers.pnc === person.identifiers.pnc);
    expect(match?.confidence).toBe('POSSIBLE');
    expect(field(match as Match, 'FAMILY_NAME')).toMatchObject({ agreement: 'SIMILAR', weight: expect.any(Number) });
    expect(field(match as Match, 'FAMILY_NAME').weight).toBeLessThan(
      field((await search(`${person.givenName} ${person.familyName}`, person.dateOfBirth))[0] as Match, 'FAMILY_NAME').weight + 0.001,
    );
  });

  it("weighs a record holding only the same name and date of birth as a person's probable match, as people(...) weighs it", async () => {
    const person = personAt(WRINKLES.probableOnly);
    const { body } = await system.query(
      'query($p: String) { person(pnc: $p) { id probableMatches { confidence matchWeight weights { field agreement weight m u } person { id } } } }',
      { p: person.identifiers.pnc },
    );
    expect(body.errors).toBeUndefined();
    const found = body.data?.person as { id: string; probableMatches: (Match & { person: { id: string } })[] };
    expect(found.probableMatches).toHaveLength(1);
    const [probable] = found.probableMatches as [Match];
    expect(probable.weights.map((w) => w.agreement)).toEqual(['EXACT', 'EXACT', 'EXACT']);
    const searched = (await search(`${person.givenName} ${person.familyName}`, person.dateOfBirth)).find((m) => m.person.id === probable.person.id);
    expect({ ...searched, person: undefined }).toEqual({ ...probable, person: undefined });
  });

  it('adds nothing for a date of birth not asked for', async () => {
    const person = personAt(WRINKLES.readmeExample);
    const match = (await search(`${person.givenName} ${person.familyName}`)).find((m) => m.person.identifiers.pnc === person.identifiers.pnc) as Match;
    expect(field(match, 'DATE_OF_BIRTH')).toMatchObject({ agreement: 'NOT_GIVEN', weight: 0 });
  });
});
