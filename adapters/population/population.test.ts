import { describe, expect, it } from 'vitest';
import { canonicalIdentifier, IDENTIFIER_KINDS, type IdentifierKind } from '../../schema/identifiers.js';
import { meetsFixedCriteria } from './cohort.js';
import { isIsoDate, toDay, yearOf } from './dates.js';
import { createPopulation, defaultPopulation, WRINKLES } from './generate.js';
import { TRIGGER_OFFENCES, VIOLENT_OFFENCES } from './offences.js';
import { type AgencyName, asSeenBy, type Population, type StaffMember, type SyntheticPerson } from './types.js';

const population = defaultPopulation();
const { people } = population;
const today = toDay(population.referenceDate);
const AGENCIES: readonly AgencyName[] = ['police', 'probation', 'prison', 'housing', 'drugs'];

const shareOf = (list: readonly SyntheticPerson[], test: (p: SyntheticPerson) => boolean) => list.filter(test).length / list.length;
const at = (pop: Population, index: number): SyntheticPerson => {
  const person = pop.people[index];
  if (!person) throw new Error(`no person at ${index}`);
  return person;
};
const nameKey = (givenName: string, familyName: string, dateOfBirth: string) =>
  `${[givenName, familyName]
    .map((n) => n.toLowerCase())
    .sort()
    .join(' ')}|${dateOfBirth}`;
const held = (person: SyntheticPerson, agency: AgencyName): IdentifierKind[] => {
  const seen = asSeenBy(person, agency);
  return IDENTIFIER_KINDS.filter((kind) => seen[kind] !== null);
};

/** Every object in the population shaped like a member of staff. */
function staffIn(value: unknown, found: StaffMember[] = []): StaffMember[] {
  if (Array.isArray(value))
    value.forEach((v) => {
      staffIn(v, found);
    });
  else if (typeof value === 'object' && value !== null) {
    if ('email' in value && 'phone' in value && 'team' in value) found.push(value as StaffMember);
    else
      Object.values(value).forEach((v) => {
        staffIn(v, found);
      });
  }
  return found;
}

/** Dates that record what has happened, so none may lie after the reference date. */
function pastDates(person: SyntheticPerson): string[] {
  const { police, probation, prison, housing, drugs, cohort } = person;
  return [
    person.dateOfBirth,
    ...(police ? [...police.arrests, ...police.charges, ...police.courtOutcomes].map((e) => e.date) : []),
    ...(police?.warningMarkers.map((m) => m.addedOn) ?? []),
    ...(probation ? [probation.ogrsAssessedOn, probation.sentence?.startDate ?? person.dateOfBirth, ...probation.registrations.map((r) => r.startDate)] : []),
    ...(probation?.compliance.lastBreachDate ? [probation.compliance.lastBreachDate] : []),
    ...(prison ? [prison.receptionDate, prison.actualReleaseDate].flatMap((d) => (d ? [d] : [])) : []),
    ...(housing ? [housing.statusSince, ...housing.staffSafetyFlags.map((f) => f.addedOn), ...housing.supportReferrals.map((r) => r.referredOn)] : []),
    ...(drugs
      ? [...drugs.testsOnArrest.map((t) => t.testedOn), ...drugs.outcomeReviews.map((r) => r.date), drugs.treatment.since, drugs.consent.recordedOn]
      : []
    ).flatMap((d) => (d ? [d] : [])),
    ...(cohort ? [cohort.selectedOn] : []),
  ];
}

describe('generation', () => {
  it('defaults to seed 20261101, 2,000 people and 2026-11-01, indexed by position', () => {
    expect(population.seed).toBe(20261101);
    expect(population.referenceDate).toBe('2026-11-01');
    expect(people).toHaveLength(2000);
    people.forEach((person, index) => {
      expect(person.index).toBe(index);
    });
  });

  it('is deterministic: the same seed gives deep-equal people', () => {
    expect(createPopulation({ seed: 99, size: 300 }).people).toEqual(createPopulation({ seed: 99, size: 300 }).people);
    // The whole default population, compared as text: quicker than a deep comparison, and stricter on order.
    expect(JSON.stringify(createPopulation().people)).toBe(JSON.stringify(people));
  });

  it('gives different people for a different seed', () => {
    const identities = (seed: number) => new Set(createPopulation({ seed, size: 300 }).people.map((p) => nameKey(p.givenName, p.familyName, p.dateOfBirth)));
    const first = identities(99);
    const overlap = [...identities(100)].filter((key) => first.has(key));
    expect(overlap.length).toBeLessThan(5);
  });

  it('memoises and freezes the default population', () => {
    expect(defaultPopulation()).toBe(population);
    expect(Object.isFrozen(people)).toBe(true);
    expect(Object.isFrozen(at(population, 0).police?.arrests)).toBe(true);
    // The default's freezing does not reach a population created separately.
    expect(Object.isFrozen(createPopulation({ size: 5 }).people)).toBe(false);
  });

  it('refuses options it cannot honour, naming the problem', () => {
    expect(() => createPopulation({ size: 0 })).toThrow(/size/);
    expect(() => createPopulation({ seed: 1.5 })).toThrow(/seed/);
    expect(() => createPopulation({ referenceDate: '2026-02-30' })).toThrow(/YYYY-MM-DD/);
    expect(() => createPopulation({ sise: 10 } as never)).toThrow();
  });

  it('builds small populations, and moves every date with the reference date', () => {
    for (const size of [1, 4, 7, 12]) expect(createPopulation({ size }).people).toHaveLength(size);
    const later = createPopulation({ seed: 5, size: 300, referenceDate: '2031-06-15' });
    const dates = later.people.flatMap(pastDates);
    expect(dates.every((d) => d <= '2031-06-15')).toBe(true);
    expect(dates.some((d) => d > '2030-06-15')).toBe(true);
  });
});

describe('identifiers', () => {
  const values = (kind: IdentifierKind) => people.flatMap((p) => (p.identifiers[kind] === null ? [] : [p.identifiers[kind] as string]));
  const conflictingValues = people.flatMap((p) => Object.values(p.conflicting ?? {}).flatMap((byKind) => Object.entries(byKind)));

  it('are valid and canonical by schema/identifiers.ts, conflicting values included', () => {
    for (const kind of IDENTIFIER_KINDS) {
      const invalid = values(kind).filter((value) => {
        const canonical = canonicalIdentifier(kind, value);
        return !canonical.ok || canonical.value !== value;
      });
      expect(invalid, kind).toEqual([]);
      expect(values(kind).length, kind).toBeGreaterThan(400);
    }
    expect(conflictingValues.length).toBeGreaterThan(0);
    for (const [kind, value] of conflictingValues) expect(canonicalIdentifier(kind as IdentifierKind, value)).toEqual({ ok: true, value });
  });

  it('are unique, and no conflicting value is anyone’s real identifier', () => {
    for (const kind of IDENTIFIER_KINDS) expect(new Set(values(kind)).size, kind).toBe(values(kind).length);
    for (const [kind, value] of conflictingValues) expect(values(kind as IdentifierKind)).not.toContain(value);
  });

  it('follow the agencies: a PNC ID (year of first arrest) with police, a CRN with probation, a prison number with prison', () => {
    const wrong = people.filter(
      (p) =>
        (p.identifiers.pnc !== null) !== (p.police !== null) ||
        (p.identifiers.crn !== null) !== (p.probation !== null) ||
        (p.identifiers.nomsNumber !== null) !== (p.prison !== null) ||
        (p.police !== null && p.identifiers.pnc?.slice(0, 4) !== p.police.arrests[0]?.date.slice(0, 4)) ||
        ((p.probation !== null || p.prison !== null) && p.identifiers.cro === null),
    );
    expect(wrong.map((p) => p.index)).toEqual([]);
    const police = people.filter((p) => p.police);
    expect(shareOf(police, (p) => p.identifiers.cro !== null)).toBeGreaterThan(0.8);
    expect(shareOf(police, (p) => p.identifiers.cro !== null)).toBeLessThan(1);
  });

  it('gives housing and the drug service unique local references', () => {
    const housing = people.flatMap((p) => (p.housing ? [p.housing.reference] : []));
    const drugs = people.flatMap((p) => (p.drugs ? [p.drugs.reference] : []));
    expect(housing.every((r) => /^HSG-\d{6}$/.test(r))).toBe(true);
    expect(drugs.every((r) => /^DIP-\d{5}$/.test(r))).toBe(true);
    expect(new Set(housing).size).toBe(housing.length);
    expect(new Set(drugs).size).toBe(drugs.length);
  });

  it('are held as each agency holds them', () => {
    const views = (agency: AgencyName) => new Set(people.filter((p) => p[agency]).map((p) => held(p, agency).join('+')));
    expect(views('police')).toEqual(new Set(['pnc+cro', 'pnc']));
    expect(views('prison')).toEqual(new Set(['pnc+cro+nomsNumber']));
    expect(views('housing')).toEqual(new Set(['crn', '']));
    expect(views('drugs')).toEqual(new Set(['pnc', '']));
    // The PNC ID reaches the drug service with a test on arrest.
    expect(people.filter((p) => p.drugs && held(p, 'drugs').length > 0 && p.drugs.testsOnArrest.length === 0)).toEqual([]);
    const housed = people.filter((p) => p.housing);
    expect(shareOf(housed, (p) => held(p, 'housing').length === 0)).toBeGreaterThan(0.05);
    expect(shareOf(housed, (p) => held(p, 'housing').length === 0)).toBeLessThan(0.16);
    // Housing holds the CRN only for people probation knows.
    expect(housed.filter((p) => held(p, 'housing').includes('crn')).every((p) => p.probation)).toBe(true);
    expect(
      shareOf(
        people.filter((p) => p.drugs),
        (p) => held(p, 'drugs').includes('pnc'),
      ),
    ).toBeGreaterThan(0.55);
  });
});

describe('overlap between agencies', () => {
  it('everyone is known to at least one agency', () => {
    expect(people.filter((p) => AGENCIES.every((a) => p[a] === null))).toEqual([]);
  });

  it.each([
    ['police', 0.85, 0.95],
    ['probation', 0.48, 0.62],
    ['prison', 0.2, 0.3],
    ['housing', 0.3, 0.4],
    ['drugs', 0.25, 0.36],
  ] as const)('%s knows a plausible share', (agency, low, high) => {
    const share = shareOf(people, (p) => p[agency] !== null);
    expect(share).toBeGreaterThan(low);
    expect(share).toBeLessThan(high);
  });

  it('probation and prison know only people the police know', () => {
    expect(people.filter((p) => (p.probation || p.prison) && !p.police)).toEqual([]);
  });
});

describe('facts agree across agencies', () => {
  it('prison facts only with a custodial sentence, with coherent release dates', () => {
    const inPrisonRecords = people.filter((p) => p.prison);
    expect(inPrisonRecords.some((p) => p.prison?.inCustody)).toBe(true);
    expect(inPrisonRecords.some((p) => !p.prison?.inCustody)).toBe(true);
    for (const person of inPrisonRecords) {
      const prison = person.prison!;
      const sentenced = person.police?.courtOutcomes.find((c) => c.date === prison.receptionDate && /^Imprisonment \d+ months$/.test(c.disposal));
      expect(sentenced, `custodial sentence of ${person.index}`).toBeDefined();
      expect(prison.conditionalReleaseDate! > prison.receptionDate!).toBe(true);
      expect(prison.licenceExpiryDate! > prison.conditionalReleaseDate!).toBe(true);
      expect(prison.inCustody).toBe(prison.actualReleaseDate === null);
      expect(prison.establishment !== null).toBe(prison.inCustody);
      if (prison.inCustody) {
        expect(toDay(prison.conditionalReleaseDate!)).toBeGreaterThan(today);
        expect(prison.licenceConditions).toEqual([]);
        expect(person.probation?.sentence ?? null).toBeNull();
      } else {
        expect(prison.licenceConditions.length).toBeGreaterThan(0);
      }
    }
  });

  it('a licence follows release from custody, with the prison’s licence conditions', () => {
    const onLicence = people.filter((p) => p.probation?.sentence?.type === 'licence');
    expect(onLicence.length).toBeGreaterThan(100);
    for (const person of onLicence) {
      const { sentence } = person.probation!;
      const prison = person.prison;
      expect(prison, `prison record of ${person.index}`).not.toBeNull();
      expect(prison!.inCustody).toBe(false);
      expect(prison!.actualReleaseDate).toBe(sentence!.startDate);
      expect(sentence!.endDate).toBe(prison!.licenceExpiryDate);
      expect(toDay(sentence!.endDate)).toBeGreaterThan(today);
      expect(prison!.licenceConditions.length).toBeGreaterThanOrEqual(4);
    }
    for (const person of people.filter((p) => p.probation?.sentence?.type === 'post-sentence-supervision')) {
      expect(person.prison?.inCustody).toBe(false);
      expect(toDay(person.prison!.licenceExpiryDate!)).toBeLessThanOrEqual(today);
    }
  });

  it('a community sentence has its court outcome, and the index offence is the latest conviction', () => {
    for (const person of people.filter((p) => p.probation?.sentence)) {
      const { sentence } = person.probation!;
      const convictions = person.police!.courtOutcomes.filter((c) => c.verdict === 'guilty');
      const latest = convictions[convictions.length - 1];
      expect(latest?.category, `index offence of ${person.index}`).toBe(sentence!.indexOffenceCategory);
      expect(latest?.offence).toBe(sentence!.indexOffence);
      if (sentence!.type === 'community-order') expect(latest?.disposal).toMatch(/^Community order/);
      if (sentence!.type === 'suspended-sentence-order') expect(latest?.disposal).toMatch(/^Suspended sentence order/);
      if (sentence!.type === 'community-order' || sentence!.type === 'suspended-sentence-order') {
        expect(latest?.date).toBe(sentence!.startDate);
        expect(person.prison).toBeNull();
      }
    }
  });

  it('links charges to arrests and court outcomes to charges', () => {
    const broken = people.filter((person) => {
      if (!person.police) return false;
      const { arrests, charges, courtOutcomes } = person.police;
      const arrestsById = new Map(arrests.map((a) => [a.id, a]));
      const chargesById = new Map(charges.map((c) => [c.id, c]));
      const chargeOk = charges.every((c) => arrestsById.get(c.arrestId)?.outcome === 'charged' && c.date >= arrestsById.get(c.arrestId)!.date);
      const courtOk = courtOutcomes.every((o) => {
        const charge = chargesById.get(o.chargeId);
        return charge?.status === (o.verdict === 'guilty' ? 'convicted' : 'acquitted') && o.date >= charge.date;
      });
      const counted =
        arrests.filter((a) => a.outcome === 'charged').length === charges.length &&
        charges.filter((c) => c.status === 'convicted' || c.status === 'acquitted').length === courtOutcomes.length;
      const dates = arrests.map((a) => a.date);
      return !(chargeOk && courtOk && counted && dates.join() === [...dates].sort().join());
    });
    expect(broken.map((p) => p.index)).toEqual([]);
  });

  it('tests on arrest follow arrests for trigger offences, on the day, and a positive test requires an assessment', () => {
    const tested = people.filter((p) => (p.drugs?.testsOnArrest.length ?? 0) > 0);
    expect(tested.length).toBeGreaterThan(200);
    for (const person of tested) {
      for (const test of person.drugs!.testsOnArrest) {
        const arrest = person.police?.arrests.find((a) => a.date === test.testedOn && TRIGGER_OFFENCES.includes(a.category));
        expect(arrest, `arrest behind the test of ${person.index} on ${test.testedOn}`).toBeDefined();
        expect(test.result === 'positive').toBe(test.substances.length > 0);
      }
      const lastPositive = person.drugs!.testsOnArrest.filter((t) => t.result === 'positive').at(-1);
      expect(person.drugs!.requiredAssessment.required).toBe(lastPositive !== undefined);
      if (lastPositive) expect(person.drugs!.requiredAssessment.date! > lastPositive.testedOn).toBe(true);
    }
  });

  it('staff-safety flags go with violence and weapons warning markers', () => {
    const housed = people.filter((p) => p.housing && p.police);
    const marked = (p: SyntheticPerson) => p.police!.warningMarkers.some((m) => m.type === 'violence' || m.type === 'weapons');
    const flagged = (p: SyntheticPerson) => p.housing!.staffSafetyFlags.some((f) => f.type !== 'dog-on-premises');
    const withMarkers = shareOf(housed.filter(marked), flagged);
    const without = shareOf(
      housed.filter((p) => !marked(p)),
      flagged,
    );
    expect(withMarkers).toBeGreaterThan(0.3);
    expect(withMarkers).toBeGreaterThan(3 * without);
  });

  it('a drug rehabilitation requirement goes with drug misuse and drug-service treatment', () => {
    const drr = people.filter((p) => p.probation?.requirements.some((r) => r.type === 'drug-rehabilitation'));
    expect(drr.length).toBeGreaterThan(20);
    for (const person of drr) {
      expect(person.probation!.criminogenicNeeds.map((n) => n.area)).toContain('drug-misuse');
      expect(person.drugs?.treatment.engaged).toBe(true);
    }
  });

  it('drug treatment happens in the community: never while in custody, never before release', () => {
    for (const person of people.filter((p) => p.drugs?.treatment.engaged && p.prison)) {
      expect(person.prison!.inCustody).toBe(false);
      expect(person.drugs!.treatment.since! >= person.prison!.actualReleaseDate!).toBe(true);
    }
  });

  it('records consent to share for most, not all, of those in treatment', () => {
    const engaged = people.filter((p) => p.drugs?.treatment.engaged);
    const consented = shareOf(engaged, (p) => p.drugs!.consent.recorded);
    expect(consented).toBeGreaterThan(0.6);
    expect(consented).toBeLessThan(0.97);
  });

  it('OGRS rises with offending history', () => {
    const supervised = people.filter((p) => p.probation && p.police);
    const sanctions = (p: SyntheticPerson) =>
      p.police!.courtOutcomes.filter((c) => c.verdict === 'guilty').length + p.police!.arrests.filter((a) => a.outcome === 'cautioned').length;
    const sorted = [...supervised].sort((a, b) => sanctions(a) - sanctions(b));
    const mean = (list: SyntheticPerson[]) => list.reduce((sum, p) => sum + p.probation!.ogrsScore, 0) / list.length;
    const quarter = Math.floor(sorted.length / 4);
    expect(mean(sorted.slice(-quarter))).toBeGreaterThan(mean(sorted.slice(0, quarter)) + 15);
    expect(supervised.every((p) => p.probation!.ogrsScore >= 0 && p.probation!.ogrsScore <= 99)).toBe(true);
  });

  it('MAPPA for a small share of violent offenders only', () => {
    const supervised = people.filter((p) => p.probation);
    const mappa = supervised.filter((p) => p.probation!.mappa);
    expect(mappa.length).toBeGreaterThan(0);
    expect(mappa.length / supervised.length).toBeLessThan(0.1);
    for (const person of mappa) {
      const categories = person.police!.courtOutcomes.filter((c) => c.verdict === 'guilty').map((c) => c.category);
      expect(VIOLENT_OFFENCES.includes(categories[categories.length - 1]!)).toBe(true);
      if (person.probation!.mappa!.category === 2) expect(person.prison).not.toBeNull();
      expect(person.probation!.registrations.map((r) => r.type)).toContain('mappa');
    }
  });

  it('records the past in the past, as real dates, of adults', () => {
    const wrong = people.flatMap((p) =>
      pastDates(p)
        .filter((d) => !isIsoDate(d) || toDay(d) > today)
        .map((d) => `${p.index}: ${d}`),
    );
    expect(wrong).toEqual([]);
    expect(people.filter((p) => yearOf(today) - yearOf(toDay(p.dateOfBirth)) < 18)).toEqual([]);
  });
});

describe('staff, places and names', () => {
  const staff = staffIn(people);

  it('staff have invented names, .example e-mail addresses and drama-range phone numbers', () => {
    expect(staff.length).toBeGreaterThan(1000);
    const distinct = [...new Map(staff.map((m) => [JSON.stringify(m), m])).values()];
    for (const member of distinct) {
      expect(member.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(member.email).toMatch(/^[a-z]\.[a-z]+\d*@[a-z]+\.example$/);
      expect(member.phone).toMatch(/^01632 960\d{3}$/);
    }
    // One person per e-mail address and per phone number.
    expect(new Set(distinct.map((m) => m.email)).size).toBe(distinct.length);
    expect(new Set(distinct.map((m) => m.phone)).size).toBe(distinct.length);
  });

  it('addresses are in invented Northby with ZZ99 postcodes', () => {
    const addresses = people.flatMap((p) => (p.housing?.address ? [p.housing.address] : []));
    expect(addresses.length).toBeGreaterThan(300);
    for (const address of addresses) {
      expect(address.town).toBe('Northby');
      expect(address.postcode).toMatch(/^ZZ99 \d[ABD-HJLNP-UW-Z]{2}$/);
    }
    const establishments = people.flatMap((p) => (p.prison?.establishment ? [p.prison.establishment] : []));
    expect(establishments.every((e) => /^HMP /.test(e.name) && /^[A-Z]{3}$/.test(e.code))).toBe(true);
  });

  it('no two people share a name and date of birth, in any agency’s spelling, except the intended pair', () => {
    const owners = new Map<string, Set<number>>();
    for (const person of people) {
      for (const name of [person, ...Object.values(person.spellings)]) {
        const key = nameKey(name.givenName, name.familyName, person.dateOfBirth);
        owners.set(key, new Set([...(owners.get(key) ?? []), person.index]));
      }
    }
    const shared = [...owners.values()].filter((set) => set.size > 1).map((set) => [...set]);
    expect(shared).toEqual([[...WRINKLES.sameNameAndDateOfBirth]]);
  });

  it('about 1% more are spelt differently by one agency that still holds an identifier', () => {
    const sprinkled = people.filter((p) => p.index !== WRINKLES.spellingVariant && Object.keys(p.spellings).length > 0);
    expect(sprinkled.length).toBeGreaterThanOrEqual(10);
    expect(sprinkled.length).toBeLessThanOrEqual(40);
    for (const person of sprinkled) {
      for (const [agency, name] of Object.entries(person.spellings) as [AgencyName, { givenName: string; familyName: string }][]) {
        expect(`${name.givenName} ${name.familyName}`).not.toBe(`${person.givenName} ${person.familyName}`);
        expect(person[agency]).not.toBeNull();
        expect(held(person, agency).length).toBeGreaterThan(0);
      }
    }
  });
});

describe('the IOM cohort', () => {
  const cohort = people.filter((p) => p.cohort);
  const strand = (name: string) => cohort.filter((p) => p.cohort!.strand === name);

  it('has about 300 members in all three strands, more at low service level than high', () => {
    expect(cohort.length).toBeGreaterThanOrEqual(250);
    expect(cohort.length).toBeLessThanOrEqual(350);
    for (const name of ['fixed', 'flex', 'free']) expect(strand(name).length, name).toBeGreaterThan(30);
    const level = (name: string) => cohort.filter((p) => p.cohort!.serviceLevel === name).length;
    expect(level('low')).toBeGreaterThan(level('high'));
    expect(level('medium')).toBeGreaterThan(0);
    expect(level('high')).toBeGreaterThan(0);
  });

  it('every fixed member meets the fixed criteria; some who meet them are not selected', () => {
    for (const person of strand('fixed')) {
      expect(meetsFixedCriteria(person), `fixed member ${person.index}`).toBe(true);
      const { sentence, ogrsScore } = person.probation!;
      expect(['community-order', 'licence']).toContain(sentence!.type);
      const category = sentence!.indexOffenceCategory;
      expect(['burglary', 'robbery', 'theft-from-person', 'vehicle-theft']).toContain(category);
      expect(ogrsScore >= 75 || ((category === 'burglary' || category === 'robbery') && ogrsScore >= 50)).toBe(true);
    }
    const unselected = people.filter((p) => meetsFixedCriteria(p) && !p.cohort);
    expect(unselected.length).toBeGreaterThanOrEqual(10);
    expect(strand('flex').concat(strand('free')).filter(meetsFixedCriteria)).toEqual([]);
  });

  it('flex members carry a reason, free members their scheme', () => {
    for (const person of strand('flex')) expect(person.cohort!.reason).toMatch(/^Local judgement: /);
    for (const person of strand('free')) {
      expect(['serious violence', 'domestic abuse', 'organised crime', 'WISDOM']).toContain(person.cohort!.scheme);
      expect(person.cohort!.reason).toContain(person.cohort!.scheme!);
    }
    for (const person of strand('fixed')) expect(person.cohort!.scheme).toBeNull();
  });

  it('members carry an IOM registration naming the strand, and a police offender manager', () => {
    for (const person of cohort) {
      expect(person.probation?.registrations).toContainEqual({ type: 'iom', startDate: person.cohort!.selectedOn, note: person.cohort!.strand });
      expect(person.police?.offenderManager?.email).toMatch(/@police\.example$/);
    }
    expect(people.filter((p) => !p.cohort && p.probation?.registrations.some((r) => r.type === 'iom'))).toEqual([]);
    expect(people.filter((p) => p.police?.prolificPriorityOffender && !p.cohort)).toEqual([]);
  });
});

describe.each([
  ['the default population', population],
  ['another seed', createPopulation({ seed: 7, size: 400, referenceDate: '2027-03-10' })],
])('wrinkles in %s', (_, pop) => {
  const refDay = toDay(pop.referenceDate);

  it('0: the README example is known to all five agencies with full records', () => {
    const person = at(pop, WRINKLES.readmeExample);
    for (const agency of AGENCIES) expect(person[agency], agency).not.toBeNull();
    expect(person.cohort).toMatchObject({ strand: 'fixed', serviceLevel: 'high' });
    expect(meetsFixedCriteria(person)).toBe(true);
    const { prison, probation, drugs, housing, police } = person as Required<{ [K in AgencyName]: NonNullable<SyntheticPerson[K]> }>;
    expect(probation.sentence?.type).toBe('licence');
    expect(prison.inCustody).toBe(false);
    expect(prison.actualReleaseDate?.slice(0, 4)).toBe(pop.referenceDate.slice(0, 4));
    expect(probation.sentence?.description).toMatch(/released from HMP /);
    expect(prison.licenceConditions.length).toBeGreaterThan(4);
    expect(drugs.treatment.engaged).toBe(true);
    expect(drugs.consent).toMatchObject({ recorded: true, scope: 'iom-partners' });
    expect(housing.accommodationStatus).toBe('temporary');
    expect(police.warningMarkers.map((m) => m.type)).toContain('violence');
    const latest = police.arrests[police.arrests.length - 1]!;
    expect(refDay - toDay(latest.date)).toBeLessThanOrEqual(60);
    expect(police.charges.find((c) => c.arrestId === latest.id)?.status).toBe('awaiting-trial');
    expect(held(person, 'housing')).toEqual(['crn']);
    expect(held(person, 'drugs')).toEqual(['pnc']);
    expect(Object.values(person.identifiers).every((v) => v !== null)).toBe(true);
  });

  it('1: housing and drugs spell the name differently but each holds a partnership identifier', () => {
    const person = at(pop, WRINKLES.spellingVariant);
    const spelt = (agency: AgencyName) => `${asSeenBy(person, agency).givenName} ${asSeenBy(person, agency).familyName}`;
    const own = `${person.givenName} ${person.familyName}`;
    expect(spelt('housing')).not.toBe(own);
    expect(spelt('drugs')).not.toBe(own);
    expect(spelt('drugs')).not.toBe(spelt('housing'));
    expect(spelt('police')).toBe(own);
    expect(asSeenBy(person, 'housing').crn).toBe(person.identifiers.crn);
    expect(asSeenBy(person, 'drugs').pnc).toBe(person.identifiers.pnc);
    expect(person.identifiers.crn).not.toBeNull();
    expect(person.identifiers.pnc).not.toBeNull();
  });

  it('2: probation lacks the PNC ID but holds the CRO number, CRN and prison number', () => {
    const person = at(pop, WRINKLES.missingPnc);
    for (const agency of ['police', 'probation', 'prison'] as const) expect(person[agency], agency).not.toBeNull();
    expect(person.missingAt.probation).toEqual(['pnc']);
    expect(asSeenBy(person, 'probation')).toMatchObject({
      pnc: null,
      cro: person.identifiers.cro,
      crn: person.identifiers.crn,
      nomsNumber: person.identifiers.nomsNumber,
    });
    expect([person.identifiers.cro, person.identifiers.crn, person.identifiers.nomsNumber]).not.toContain(null);
    expect(asSeenBy(person, 'prison').pnc).toBe(person.identifiers.pnc);
  });

  it('3 and 4: two people with the same name and date of birth, different PNC IDs', () => {
    const [a, b] = WRINKLES.sameNameAndDateOfBirth.map((i) => at(pop, i)) as [SyntheticPerson, SyntheticPerson];
    expect([a.givenName, a.familyName, a.dateOfBirth]).toEqual([b.givenName, b.familyName, b.dateOfBirth]);
    expect(a.police).not.toBeNull();
    expect(b.police).not.toBeNull();
    expect(a.identifiers.pnc).not.toBe(b.identifiers.pnc);
    expect([a.probation !== null, b.probation !== null].filter(Boolean)).toHaveLength(1);
    expect(a.cohort).not.toBeNull();
    expect(b.cohort).toBeNull();
    for (const person of [a, b]) {
      expect(person.housing).toBeNull();
      expect(person.drugs).toBeNull();
    }
  });

  it('5: a housing record with no partnership identifier, matching the police record by name and date of birth', () => {
    const person = at(pop, WRINKLES.probableOnly);
    expect(person.police).not.toBeNull();
    expect(person.housing).not.toBeNull();
    expect([...(person.missingAt.housing ?? [])].sort()).toEqual([...IDENTIFIER_KINDS].sort());
    const housing = asSeenBy(person, 'housing');
    const police = asSeenBy(person, 'police');
    expect(housing).toMatchObject({ pnc: null, cro: null, nomsNumber: null, crn: null });
    expect([housing.givenName, housing.familyName, housing.dateOfBirth]).toEqual([police.givenName, police.familyName, police.dateOfBirth]);
    const key = nameKey(person.givenName, person.familyName, person.dateOfBirth);
    expect(pop.people.filter((p) => nameKey(p.givenName, p.familyName, p.dateOfBirth) === key)).toHaveLength(1);
  });

  it('6: the prison holds a different, valid CRO number from the police’s', () => {
    const person = at(pop, WRINKLES.conflictingIdentifiers);
    const prisonCro = asSeenBy(person, 'prison').cro;
    expect(person.prison).not.toBeNull();
    expect(prisonCro).not.toBeNull();
    expect(prisonCro).not.toBe(person.identifiers.cro);
    expect(canonicalIdentifier('cro', prisonCro!)).toEqual({ ok: true, value: prisonCro });
    expect(asSeenBy(person, 'police').cro).toBe(person.identifiers.cro);
    expect(asSeenBy(person, 'probation').cro).toBe(person.identifiers.cro);
    // Only the CRO number disagrees.
    expect(asSeenBy(person, 'prison').pnc).toBe(person.identifiers.pnc);
    expect(asSeenBy(person, 'prison').nomsNumber).toBe(person.identifiers.nomsNumber);
  });
});
