/**
 * The weights behind each candidate in the IG console's find-a-person, on the population's deliberate wrinkles: what
 * an IG officer reads, over HTTP, in their scope, recorded before it is sent, and the same as `people(...)` gives.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRINKLES } from '../../adapters/population/generate.js';
import type { SyntheticPerson } from '../../adapters/population/types.js';
import { defaultPolicy, startTestSystem, type TestSystem } from '../../tests/harness.js';
import { ConsoleSessions, SESSION_COOKIE } from './sessions.js';

const partnershipOfficer = { userId: 'ig-officer-1', displayName: 'Ivy Grant', agency: 'iom', role: 'ig-officer', clientApplication: 'partnership-console' };
const agencyOfficer = (agency: string) => ({ ...partnershipOfficer, userId: `${agency}-ig-officer-1`, agency, role: `${agency}-ig-officer` });

interface FieldWeight {
  field: string;
  agreement: string;
  weight: number;
  m: number;
  u: number;
}
interface ShownWeights {
  confidence: string;
  matchWeight: number;
  weights: FieldWeight[];
}

const number = (text: string) => Number(text.replace('\u2212', '-').replace('+', ''));
const cells = (row: string) => [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => (cell[1] ?? '').replace(/<br>[\s\S]*/, '').trim());

/** The weights tables of a console page, by gateway id, read back from the HTML as a screen reader would meet them. */
function weightsOn(html: string, section: 'candidate' | 'probable'): Map<string, ShownWeights> {
  const shown = new Map<string, ShownWeights>();
  for (const [, table] of html.matchAll(new RegExp(`<table class="govuk-table" id="${section}-\\d+">([\\s\\S]*?)</table>`, 'g'))) {
    const caption = /<caption[^>]*>(\S+): (\w+) match, match weight (\S+)<\/caption>/.exec(table ?? '');
    if (!caption) throw new Error(`a weights table without its caption: ${table}`);
    const rows = [...((table ?? '').split('<tbody')[1]?.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g) ?? [])].map((row) => cells(row[1] ?? ''));
    shown.set(caption[1] ?? '', {
      confidence: (caption[2] ?? '').toUpperCase(),
      matchWeight: number(caption[3] ?? ''),
      weights: rows.map(([field, agreement, weight, m, u]) => ({
        field: field ?? '',
        agreement: agreement ?? '',
        weight: number(weight ?? ''),
        m: number(m ?? ''),
        u: number(u ?? ''),
      })),
    });
  }
  return shown;
}

const FIELD = { GIVEN_NAME: 'Given name', FAMILY_NAME: 'Family name', DATE_OF_BIRTH: 'Date of birth' } as const;
const AGREEMENT = { EXACT: 'Exact', SIMILAR: 'Similar spelling', DIFFERENT: 'Different', NOT_GIVEN: 'Not given' } as const;

describe('the weights behind each candidate in the IG console', () => {
  let system: TestSystem;
  let sessions: ConsoleSessions;
  beforeAll(async () => {
    system = await startTestSystem({ policy: defaultPolicy(), console: { issuer: 'http://127.0.0.1:9/', publicUrl: 'http://127.0.0.1:4000' } });
    sessions = await ConsoleSessions.open(system.database);
  });
  afterAll(async () => {
    await system.close();
  });

  const personAt = (index: number) => system.population.people[index] as SyntheticPerson;
  const gatewayIdOf = async (person: SyntheticPerson) => (await system.directory.current().byIdentifier('pnc', person.identifiers.pnc ?? ''))?.id ?? '';
  const page = async (principal: typeof partnershipOfficer, search: Record<string, string>) => {
    const { token } = await sessions.create(principal, 'id-token');
    const response = await request(system.app)
      .get(`/console/people?${new URLSearchParams(search)}`)
      .set('cookie', `${SESSION_COOKIE}=${token}`);
    expect(response.status).toBe(200);
    return response.text;
  };
  const byName = (principal: typeof partnershipOfficer, person: { givenName: string; familyName: string; dateOfBirth?: string }) =>
    page(principal, { name: `${person.givenName} ${person.familyName}`, ...(person.dateOfBirth ? { dateOfBirth: person.dateOfBirth } : {}) });
  const lastAudit = async (userId: string) => (await system.ledger.query({ userId, kind: 'audit' }, { order: 'newest-first', limit: 1 })).entries[0]?.record;

  it('shows the two people who share a name and date of birth as exact on every field, with equal weights, by gateway id only', async () => {
    const [a, b] = WRINKLES.sameNameAndDateOfBirth.map(personAt) as [SyntheticPerson, SyntheticPerson];
    const html = await byName(partnershipOfficer, a);
    const shown = weightsOn(html, 'candidate');
    const [first, second] = [shown.get(await gatewayIdOf(a)), shown.get(await gatewayIdOf(b))];
    expect(await gatewayIdOf(a)).not.toBe(await gatewayIdOf(b));
    for (const candidate of [first, second]) {
      expect(candidate?.confidence).toBe('PROBABLE');
      expect(candidate?.weights.map((w) => [w.field, w.agreement])).toEqual([
        ['Given name', 'Exact'],
        ['Family name', 'Exact'],
        ['Date of birth', 'Exact'],
      ]);
      for (const w of candidate?.weights ?? []) expect(w.weight).toBeGreaterThan(0);
      expect(candidate?.matchWeight).toBeCloseTo(
        (candidate?.weights ?? []).reduce((sum, w) => sum + w.weight, 0),
        1,
      );
    }
    expect(first?.weights).toEqual(second?.weights);
    expect(first?.matchWeight).toBe(second?.matchWeight);
    // The explanation is there, and the results name no one: the name is only in the search box the officer filled.
    const results = html.slice(html.indexOf('found</h2>'));
    expect(results).toContain('Weights never link anyone');
    expect(results).toContain('a common name counts for less than a rare one');
    expect(results).not.toContain(a.familyName);
    expect(results).toContain(a.identifiers.pnc);
    // Recorded in the ledger before it was sent, naming both candidates.
    const audit = await lastAudit(partnershipOfficer.userId);
    expect(audit?.operationName).toBe('ConsoleFindPerson');
    expect(audit?.subjects.map((s) => s.gatewayId)).toEqual(expect.arrayContaining([await gatewayIdOf(a), await gatewayIdOf(b)]));
  });

  it('shows a misspelt family name as a similar spelling worth less than an exact one: a possible match', async () => {
    const person = personAt(WRINKLES.spellingVariant);
    const misspelt = { ...person, familyName: `${person.familyName}${person.familyName.at(-1)}` };
    const similar = weightsOn(await byName(partnershipOfficer, misspelt), 'candidate').get(await gatewayIdOf(person));
    const exact = weightsOn(await byName(partnershipOfficer, person), 'candidate').get(await gatewayIdOf(person));
    expect(similar?.confidence).toBe('POSSIBLE');
    expect(similar?.weights.map((w) => w.agreement)).toEqual(['Exact', 'Similar spelling', 'Exact']);
    expect(similar?.weights[1]?.weight).toBeLessThan(exact?.weights[1]?.weight ?? 0);
    expect(similar?.matchWeight).toBeLessThan(exact?.matchWeight ?? 0);
  });

  it('shows the same weights as people(...) gives for the same search', async () => {
    const misspelt = personAt(WRINKLES.spellingVariant);
    const searches = [
      personAt(WRINKLES.readmeExample),
      personAt(WRINKLES.sameNameAndDateOfBirth[0]),
      personAt(WRINKLES.probableOnly),
      { ...misspelt, familyName: `${misspelt.familyName}${misspelt.familyName.at(-1)}` },
      { givenName: personAt(WRINKLES.readmeExample).givenName, familyName: personAt(WRINKLES.readmeExample).familyName },
    ];
    let compared = 0;
    for (const search of searches) {
      const dateOfBirth = 'dateOfBirth' in search ? search.dateOfBirth : undefined;
      const { body } = await system.query(
        'query($n: String!, $d: Date) { people(name: $n, dateOfBirth: $d) { confidence matchWeight weights { field agreement weight m u } person { id } } }',
        { n: `${search.givenName} ${search.familyName}`, ...(dateOfBirth ? { d: dateOfBirth } : {}) },
      );
      expect(body.errors).toBeUndefined();
      const graphql = body.data?.people as (ShownWeights & { person: { id: string } })[];
      const shown = weightsOn(await byName(partnershipOfficer, search), 'candidate');
      expect(graphql.length).toBeGreaterThan(0);
      for (const match of graphql) {
        expect(shown.get(match.person.id), `${match.person.id} in the console`).toEqual({
          confidence: match.confidence,
          matchWeight: match.matchWeight,
          weights: match.weights.map((w) => ({
            ...w,
            field: FIELD[w.field as keyof typeof FIELD],
            agreement: AGREEMENT[w.agreement as keyof typeof AGREEMENT],
          })),
        });
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(searches.length + 2);
  });

  it("shows an agency's IG officer only the candidates the agency holds, weights and all", async () => {
    const [a, b] = WRINKLES.sameNameAndDateOfBirth.map(personAt) as [SyntheticPerson, SyntheticPerson];
    const police = weightsOn(await byName(agencyOfficer('police'), a), 'candidate');
    expect([...police.keys()]).toEqual(expect.arrayContaining([await gatewayIdOf(a), await gatewayIdOf(b)]));
    const housingPage = await byName(agencyOfficer('housing'), a);
    expect(weightsOn(housingPage, 'candidate').size).toBe(0);
    expect(housingPage).toContain('0 people found');
    expect(housingPage).not.toContain(await gatewayIdOf(a));
    expect(housingPage).not.toContain(await gatewayIdOf(b));
    expect(housingPage).not.toContain('Why each person was found');
    expect((await lastAudit('housing-ig-officer-1'))?.subjects).toEqual([]);

    // The probable-only wrinkle: the police record and a housing record sharing nothing but the name and date of birth.
    const subject = personAt(WRINKLES.probableOnly);
    const everyone = weightsOn(await byName(partnershipOfficer, subject), 'candidate');
    const subjectId = await gatewayIdOf(subject);
    const housingRecord = [...everyone.keys()].find((id) => id !== subjectId);
    expect(everyone.size).toBe(2);
    expect([...weightsOn(await byName(agencyOfficer('police'), subject), 'candidate').keys()]).toEqual([await gatewayIdOf(subject)]);
    expect([...weightsOn(await byName(agencyOfficer('housing'), subject), 'candidate').keys()]).toEqual([housingRecord]);
  });

  it("weighs an agency's IG officer's candidates on the agency's own records: another agency's spelling finds and tells nothing", async () => {
    const person = personAt(WRINKLES.spellingVariant);
    const housingSpelling = person.spellings.housing;
    expect(housingSpelling).toBeDefined();
    const id = await gatewayIdOf(person);
    // Everyone else's spelling: police see it exact; housing, who spell both names otherwise, see their own spelling's weights.
    expect(
      weightsOn(await byName(agencyOfficer('police'), person), 'candidate')
        .get(id)
        ?.weights.map((w) => w.agreement),
    ).toEqual(['Exact', 'Exact', 'Exact']);
    const housing = weightsOn(await byName(agencyOfficer('housing'), person), 'candidate').get(id);
    expect(housing?.weights.map((w) => w.agreement)).not.toContain('Different');
    expect(housing?.weights.slice(0, 2).map((w) => w.agreement)).toEqual(['Similar spelling', 'Similar spelling']);
    // Their own spelling is exact to them.
    const own = weightsOn(await byName(agencyOfficer('housing'), { ...person, ...housingSpelling }), 'candidate').get(id);
    expect(own?.weights.map((w) => w.agreement)).toEqual(['Exact', 'Exact', 'Exact']);
    expect(own?.matchWeight).toBeGreaterThan(housing?.matchWeight ?? Number.POSITIVE_INFINITY);
  });

  it('shows, beside a person found by identifier, the records that may be the same person, with their weights, in scope', async () => {
    const subject = personAt(WRINKLES.probableOnly);
    const byPnc = { kind: 'pnc', value: subject.identifiers.pnc ?? '' };
    const html = await page(partnershipOfficer, byPnc);
    expect(html).toContain('Records that may be the same person');
    const probable = weightsOn(html, 'probable');
    expect(probable.size).toBe(1);
    const [[id, weights]] = [...probable.entries()] as [[string, ShownWeights]];
    expect(id).not.toBe(await gatewayIdOf(subject));
    expect(weights.confidence).toBe('PROBABLE');
    expect(weights.weights.map((w) => w.agreement)).toEqual(['Exact', 'Exact', 'Exact']);
    expect(html).toContain(`/console/access-report?personId=${encodeURIComponent(id)}`);
    expect((await lastAudit(partnershipOfficer.userId))?.subjects.map((s) => s.gatewayId)).toEqual([await gatewayIdOf(subject), id]);

    // The housing record is outside the police's scope: the police's IG officer is not told it exists.
    const police = await page(agencyOfficer('police'), byPnc);
    expect(police).toContain(await gatewayIdOf(subject));
    expect(police).not.toContain('Records that may be the same person');
    expect(police).not.toContain(id);
    expect((await lastAudit('police-ig-officer-1'))?.subjects.map((s) => s.gatewayId)).toEqual([await gatewayIdOf(subject)]);
  });
});
