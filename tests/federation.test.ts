/**
 * Federation end to end: one GraphQL question, five agencies answering over HTTP, one joined-up person.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYS_PER_CALL } from '../adapters/kit/feeds.js';
import { WRINKLES } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { agencyNames } from '../adapters/registry.js';
import { startTestSystem, type TestSystem } from './harness.js';

const PROFILE = /* GraphQL */ `
  query Profile($pnc: String) {
    person(pnc: $pnc) {
      id
      name { givenName familyName }
      dateOfBirth
      identifiers { pnc cro nomsNumber crn localReferences { agency reference } }
      recordedNames { agency givenName familyName }
      identifierConflicts { identifier values { value agencies } }
      probableMatches { confidence matchedOn person { id } }
      police { arrests { offence arrestedOn } warningMarkers { type } offenderManager { name email } }
      probation { sentence { type } ogrs { score band } riskOfSeriousHarm responsibleOfficer { name } }
      prison { inCustody releaseDates { conditionalReleaseDate } licenceConditions { description } }
      housing { accommodationStatus staffSafetyFlags { type } }
      drugs { treatmentEngagement { engaged } consent { recorded } }
    }
  }
`;

/** The agency sections PROFILE asks for. */
const SECTIONS = agencyNames.filter((agency) => new RegExp(`\\b${agency} \\{`).test(PROFILE));

let system: TestSystem;
const personAt = (index: number): SyntheticPerson => {
  const person = system.population.people[index];
  if (!person) throw new Error(`no person ${index}`);
  return person;
};
const pncOf = (person: SyntheticPerson): string => {
  if (!person.identifiers.pnc) throw new Error(`person ${person.index} has no PNC`);
  return person.identifiers.pnc;
};

beforeAll(async () => {
  system = await startTestSystem({ timeoutMs: 800 });
});
afterAll(async () => {
  await system?.close();
});
afterEach(() => {
  system.clearFaults();
});

describe('a full profile', () => {
  it('joins all five agencies for the README example person', async () => {
    const subject = personAt(WRINKLES.readmeExample);
    const { status, body } = await system.query(PROFILE, { pnc: pncOf(subject) });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const person = body.data?.person as Record<string, unknown> & { identifiers: Record<string, unknown> };
    expect(person.name).toEqual({ givenName: subject.givenName, familyName: subject.familyName });
    expect(person.dateOfBirth).toBe(subject.dateOfBirth);
    expect(person.identifiers).toMatchObject({
      pnc: subject.identifiers.pnc,
      cro: subject.identifiers.cro,
      nomsNumber: subject.identifiers.nomsNumber,
      crn: subject.identifiers.crn,
    });
    for (const section of SECTIONS) expect(person[section], section).not.toBeNull();
    const police = person.police as { arrests: unknown[] };
    expect(police.arrests).toHaveLength(subject.police?.arrests.length ?? -1);
    const probation = person.probation as { ogrs: { score: number } };
    expect(probation.ogrs.score).toBe(subject.probation?.ogrsScore);
    expect(person.identifierConflicts).toEqual([]);
  });

  it('finds the same person by every identifier and by gateway id', async () => {
    const subject = personAt(WRINKLES.readmeExample);
    const byPnc = await system.query('query($v: String) { person(pnc: $v) { id } }', { v: pncOf(subject) });
    const id = (byPnc.body.data?.person as { id: string }).id;
    for (const [argument, value] of [
      ['cro', subject.identifiers.cro],
      ['nomsNumber', subject.identifiers.nomsNumber],
      ['crn', subject.identifiers.crn],
      ['id', id],
    ] as const) {
      const { body } = await system.query(`query($v: ${argument === 'id' ? 'ID' : 'String'}) { person(${argument}: $v) { id } }`, { v: value });
      expect(body.data?.person, argument).toEqual({ id });
    }
  });

  it('answers null, not an error, for a valid identifier nobody holds', async () => {
    const { body } = await system.query('{ person(crn: "Z999999") { id } }');
    expect(body.errors).toBeUndefined();
    expect(body.data?.person).toBeNull();
  });
});

describe('the population’s wrinkles', () => {
  it('links records whose names are spelt differently, and shows each spelling', async () => {
    const subject = personAt(WRINKLES.spellingVariant);
    const { body } = await system.query(PROFILE, { pnc: pncOf(subject) });
    const person = body.data?.person as { recordedNames: { agency: string; givenName: string; familyName: string }[] };
    const spellings = new Set(person.recordedNames.map((n) => `${n.givenName} ${n.familyName}`));
    expect(spellings.size).toBeGreaterThan(1);
    for (const [agency, name] of Object.entries(subject.spellings)) {
      expect(person.recordedNames).toContainEqual({ agency, ...name });
    }
  });

  it('links a record that lacks the PNC through the identifiers it does hold', async () => {
    const subject = personAt(WRINKLES.missingPnc);
    const { body } = await system.query(PROFILE, { pnc: pncOf(subject) });
    const person = body.data?.person as Record<string, unknown>;
    expect(subject.missingAt.probation).toContain('pnc');
    expect(person.probation).not.toBeNull();
    expect((person.identifiers as { crn: string }).crn).toBe(subject.identifiers.crn);
  });

  it('keeps two people with the same name and date of birth apart, each a probable candidate', async () => {
    const [a, b] = WRINKLES.sameNameAndDateOfBirth.map(personAt) as [SyntheticPerson, SyntheticPerson];
    expect(`${a.givenName} ${a.familyName} ${a.dateOfBirth}`).toBe(`${b.givenName} ${b.familyName} ${b.dateOfBirth}`);
    const { body } = await system.query(
      'query($n: String!, $d: Date) { people(name: $n, dateOfBirth: $d) { confidence matchedOn person { id identifiers { pnc } } } }',
      { n: `${a.givenName} ${a.familyName}`, d: a.dateOfBirth },
    );
    const matches = body.data?.people as { confidence: string; person: { id: string; identifiers: { pnc: string } } }[];
    const pncs = matches.map((m) => m.person.identifiers.pnc);
    expect(pncs).toEqual(expect.arrayContaining([a.identifiers.pnc, b.identifiers.pnc]));
    expect(new Set(matches.map((m) => m.person.id)).size).toBe(matches.length);
    expect(matches.every((m) => m.confidence === 'PROBABLE')).toBe(true);

    const profile = await system.query(PROFILE, { pnc: pncOf(a) });
    const probable = (profile.body.data?.person as { probableMatches: { person: { id: string } }[] }).probableMatches;
    expect(probable.map((m) => m.person.id)).not.toContain(matches.find((m) => m.person.identifiers.pnc === b.identifiers.pnc)?.person.id);
  });

  it('reports a record with only a name and date of birth as a probable match, never merged', async () => {
    const subject = personAt(WRINKLES.probableOnly);
    const { body } = await system.query(PROFILE, { pnc: pncOf(subject) });
    const person = body.data?.person as { housing: unknown; probableMatches: { confidence: string; matchedOn: string[]; person: { id: string } }[] };
    expect(person.housing).toBeNull();
    expect(person.probableMatches).toHaveLength(1);
    expect(person.probableMatches[0]).toMatchObject({ confidence: 'PROBABLE', matchedOn: ['EXACT_NAME', 'DATE_OF_BIRTH'] });

    const other = await system.query(
      'query($id: ID) { person(id: $id) { identifiers { pnc } housing { accommodationStatus } police { arrests { offence } } } }',
      {
        id: person.probableMatches[0]?.person.id,
      },
    );
    expect(other.body.data?.person).toMatchObject({ identifiers: { pnc: null }, police: null });
    expect((other.body.data?.person as { housing: unknown }).housing).not.toBeNull();
  });

  it('surfaces identifiers the agencies disagree on', async () => {
    const subject = personAt(WRINKLES.conflictingIdentifiers);
    const { body } = await system.query(PROFILE, { pnc: pncOf(subject) });
    const conflicts = (body.data?.person as { identifierConflicts: { identifier: string; values: { value: string; agencies: string[] }[] }[] })
      .identifierConflicts;
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.identifier).toBe('cro');
    expect(conflicts[0]?.values.map((v) => v.agencies)).toEqual([
      ['police', 'probation'].filter((a) => subject[a as 'police' | 'probation'] !== null),
      ['prison'],
    ]);
  });
});

describe('an agency that fails', () => {
  const query = async () => {
    const started = performance.now();
    const response = await system.query(PROFILE, { pnc: pncOf(personAt(WRINKLES.readmeExample)) });
    return { ...response, elapsed: performance.now() - started };
  };

  const expectPartial = (response: Awaited<ReturnType<typeof query>>, agency: string) => {
    expect(response.status).toBe(200);
    const person = response.body.data?.person as Record<string, unknown>;
    expect(person[agency]).toBeNull();
    for (const other of SECTIONS.filter((s) => s !== agency)) expect(person[other], other).not.toBeNull();
    expect(response.body.errors).toEqual([
      expect.objectContaining({ path: ['person', agency], extensions: expect.objectContaining({ code: 'AGENCY_UNAVAILABLE', agency }) }),
    ]);
  };

  it('down: the rest of the person, and an error naming the agency', async () => {
    system.setFaults('prison', { mode: 'down' });
    expectPartial(await query(), 'prison');
  });

  it('slow: answers within the agency timeout plus a small margin', async () => {
    system.setFaults('housing', { latencyMs: 5_000 });
    const response = await query();
    expectPartial(response, 'housing');
    expect(response.elapsed).toBeLessThan(800 + 400);
  });

  it('malformed payload: treated as that agency’s error, never a crash', async () => {
    system.setFaults('drugs', { mode: 'malformed' });
    const response = await query();
    expectPartial(response, 'drugs');
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('bad identifiers', () => {
  it.each([
    ['pnc', 'not-a-pnc'],
    ['pnc', '2019/0012345A'],
    ['cro', '12/34'],
    ['nomsNumber', 'A12345B'],
    ['crn', '1234567'],
  ])('%s "%s" is refused with BAD_IDENTIFIER naming it', async (argument, value) => {
    const { status, body } = await system.query(`query($v: String) { person(${argument}: $v) { id } }`, { v: value });
    expect(status).toBe(200);
    expect(body.data?.person).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_IDENTIFIER', identifier: argument });
    expect(body.errors?.[0]?.message).toContain(value);
  });

  it('needs exactly one argument', async () => {
    for (const query of ['{ person { id } }', '{ person(crn: "X123456", nomsNumber: "A1234BC") { id } }']) {
      const { body } = await system.query(query);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses an impossible date of birth', async () => {
    const { body } = await system.query('{ people(name: "Ann Lee", dateOfBirth: "1990-02-30") { score } }');
    expect(body.errors?.[0]?.message).toMatch(/YYYY-MM-DD/);
  });
});

describe('batching', () => {
  it('a question about 100 people costs a handful of upstream calls per agency, not 100', async () => {
    const wanted = system.population.people.filter((p) => p.identifiers.pnc !== null).slice(0, 100);
    const fields =
      'id police { arrests { offence } } probation { ogrs { score } } prison { inCustody } housing { accommodationStatus } drugs { consent { recorded } }';
    const query = `{ ${wanted.map((p, i) => `p${i}: person(pnc: "${p.identifiers.pnc}") { ${fields} }`).join(' ')} }`;
    system.resetUpstreamCalls();
    const { body } = await system.query(query);
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data ?? {})).toHaveLength(100);
    // Sections are fetched in waves (the facts the ISP's conditions need come first), one batched read per agency a
    // wave, KEYS_PER_CALL keys a call: still a handful for 100 people.
    const asked = agencyNames.filter((agency) => fields.includes(`${agency} {`));
    expect(asked.length).toBeGreaterThanOrEqual(5);
    for (const agency of asked) {
      const counts = system.upstreamCalls()[agency] ?? {};
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      expect(total, `${agency}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(1);
      expect(total, `${agency}: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(3 * Math.ceil(wanted.length / KEYS_PER_CALL));
    }
  });
});
