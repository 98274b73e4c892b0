import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPopulation, defaultPopulation, POPULATION_SIZE_LIMIT, WRINKLES } from './generate.js';
import { BIRTHDAYS, nameKey } from './person.js';
import type { MintedKind, SyntheticPerson } from './types.js';

const million = createPopulation({ size: POPULATION_SIZE_LIMIT });
const spread = (count: number) => Array.from({ length: count }, (_, n) => Math.floor(((n + 0.5) * POPULATION_SIZE_LIMIT) / count));

const minted = (person: SyntheticPerson): [MintedKind, string][] =>
  (
    [
      ['pnc', person.identifiers.pnc],
      ['cro', person.identifiers.cro],
      ['crn', person.identifiers.crn],
      ['nomsNumber', person.identifiers.nomsNumber],
      ['housingReference', person.housing?.reference ?? null],
      ['drugsReference', person.drugs?.reference ?? null],
    ] as const
  ).flatMap(([kind, value]) => (value === null ? [] : [[kind, value] as [MintedKind, string]]));

describe('one person at a time', () => {
  it('person(i) is the i-th person of the population read in order, whatever its size', () => {
    const small = createPopulation({ seed: 4, size: 300 });
    const inOrder = [...small];
    expect(inOrder).toHaveLength(300);
    for (const index of [0, 1, 4, 6, 7, 150, 299]) expect(small.person(index)).toEqual(inOrder[index]);
    const large = createPopulation({ seed: 4, size: POPULATION_SIZE_LIMIT });
    for (const index of [0, 3, 4, 6, 7, 299]) expect(large.person(index)).toEqual(inOrder[index]);
    expect(() => small.person(300)).toThrow(/300/);
  });

  it('gives the same people in another process', () => {
    const indexes = [0, 5, 123_456, 999_999];
    const script = `import { createPopulation } from './adapters/population/generate.ts';
      const population = createPopulation({ size: 1000000 });
      process.stdout.write(JSON.stringify(${JSON.stringify(indexes)}.map((i) => population.person(i))));`;
    const elsewhere = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(elsewhere)).toEqual(JSON.parse(JSON.stringify(indexes.map((i) => million.person(i)))));
  }, 60_000);

  it('reads every identifier and agency reference back to the index it was minted for, and no other', () => {
    const people = spread(400).map((index) => million.person(index));
    for (const person of people) {
      for (const [kind, value] of minted(person)) expect(million.indexOf(kind, value), `${kind} ${value}`).toBe(person.index);
    }
    // Identifiers minted for someone beyond a smaller population belong to no one in it.
    const small = createPopulation({ size: 2000 });
    const beyond = people.filter((person) => person.index >= 2000);
    expect(beyond.flatMap(minted).filter(([kind, value]) => small.indexOf(kind, value) !== undefined)).toEqual([]);
    for (const [kind, value] of [
      ['pnc', '2019/12345X'],
      ['crn', 'not a crn'],
      ['housingReference', 'HSG-1'],
    ] as const)
      expect(million.indexOf(kind, value)).toBeUndefined();
  });

  it('mints identifiers no one else holds, across the whole range', () => {
    const values = spread(3000).flatMap((index) => minted(million.person(index)).map(([kind, value]) => `${kind}|${value}`));
    expect(new Set(values).size).toBe(values.length);
  });

  it('never gives two people a name and date of birth by accident, even among a million', () => {
    // Those who could share a date of birth are a birthday round apart: everyone in a few such columns.
    for (const first of [7, 4321, BIRTHDAYS - 1]) {
      const column: SyntheticPerson[] = [];
      for (let index = first; index < POPULATION_SIZE_LIMIT; index += BIRTHDAYS) column.push(million.person(index));
      expect(new Set(column.map((p) => p.dateOfBirth)).size).toBe(1);
      expect(new Set(column.map((p) => nameKey(p.givenName, p.familyName, p.dateOfBirth))).size).toBe(column.length);
    }
  }, 60_000);

  it('keeps the wrinkles, and the README’s example, at any size', () => {
    const ordinary = defaultPopulation();
    for (const index of [0, 1, 2, 3, 4, 5, 6]) expect(million.person(index)).toEqual(ordinary.person(index));
    const [first, second] = WRINKLES.sameNameAndDateOfBirth.map((index) => million.person(index)) as [SyntheticPerson, SyntheticPerson];
    expect([second.givenName, second.familyName, second.dateOfBirth]).toEqual([first.givenName, first.familyName, first.dateOfBirth]);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = million.person(WRINKLES.readmeExample);
    expect(readme).toContain(`${example.givenName} ${example.familyName} (PNC \`${example.identifiers.pnc}\`)`);
  });

  it('decides cohort membership and other spellings per person, in the shares the whole population had', () => {
    const people = spread(4000).map((index) => million.person(index));
    const share = (test: (p: SyntheticPerson) => boolean) => people.filter(test).length / people.length;
    expect(share((p) => p.cohort !== null)).toBeGreaterThan(0.12);
    expect(share((p) => p.cohort !== null)).toBeLessThan(0.18);
    expect(share((p) => Object.keys(p.spellings).length > 0)).toBeGreaterThan(0.005);
    expect(share((p) => Object.keys(p.spellings).length > 0)).toBeLessThan(0.02);
  });

  it('refuses to hold a population above the in-memory limit', () => {
    expect(() => million.people).toThrow(/streamed/);
    expect(() => createPopulation({ size: POPULATION_SIZE_LIMIT + 1 })).toThrow(/size/);
  });
});
