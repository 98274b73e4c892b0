/**
 * The synthetic population every simulator serves: one set of invented people, each agency seeing its
 * own part, generated deterministically from a seed (same seed, same people; no Math.random, no clock).
 */
import { z } from 'zod';
import { selectCohort } from './cohort.js';
import type { Context } from './context.js';
import { isIsoDate, isoDate, startOfYear, toDay } from './dates.js';
import { createMint } from './mint.js';
import { misspell } from './names.js';
import { POLICE_MIX, SUPERVISED_MIX } from './offences.js';
import { createPerson, type Identity, inventIdentity, missingExcept, nameKey } from './person.js';
import { choosePlan, type Plan } from './plan.js';
import { createRandom } from './random.js';
import { createStaffDirectory } from './staff.js';
import type { AgencyName, Population, SyntheticPerson } from './types.js';

/**
 * Deliberate wrinkles at fixed indexes, there whenever the population is that large:
 * - 0 `readmeExample`: the README's example. Fixed cohort, high service level, known to all five agencies
 *   with full records: released on licence from HMP this year, licence conditions, drug treatment with
 *   consent recorded, temporary accommodation, a violence warning marker, a recent arrest and charge.
 * - 1 `spellingVariant`: housing and the drug service each spell the name differently (Jonathon Smyth for
 *   Jonathan Smith) but hold a partnership identifier (CRN, PNC ID), so the records still link.
 * - 2 `missingPnc`: known to police, probation and prison; probation lacks the PNC ID but holds the CRO
 *   number, CRN and prison number.
 * - 3 and 4 `sameNameAndDateOfBirth`: two different people with the same name and date of birth and
 *   different PNC IDs, both known to police, the first also to probation.
 * - 5 `probableOnly`: a housing record with no partnership identifier whose name and date of birth match
 *   the person's police record: a probable match only.
 * - 6 `conflictingIdentifiers`: the prison holds a different, valid CRO number from the police's (a
 *   data-entry error; see `conflicting`).
 * Beyond these, about 1% of people have their name spelt differently by one agency.
 */
export const WRINKLES = {
  readmeExample: 0,
  spellingVariant: 1,
  missingPnc: 2,
  sameNameAndDateOfBirth: [3, 4],
  probableOnly: 5,
  conflictingIdentifiers: 6,
} as const;

const WRINKLE_INDEXES: readonly number[] = [0, 1, 2, 3, 4, 5, 6];

const PopulationOptions = z
  .object({
    seed: z.number().int().default(20261101),
    size: z.number().int().min(1).max(100_000).default(2000),
    referenceDate: z.string().refine(isIsoDate, 'referenceDate must be a real date written YYYY-MM-DD').default('2026-11-01'),
  })
  .strict();

export type PopulationOptions = z.input<typeof PopulationOptions>;

function wrinklePlan(context: Context, index: number): Plan | null {
  const { random, today } = context;
  const quiet = { housing: false, drugs: false, substances: [] };
  switch (index) {
    case WRINKLES.readmeExample:
      return {
        segment: 'on-licence',
        probation: true,
        housing: true,
        drugs: true,
        category: 'burglary',
        substances: ['opiates', 'crack'],
        // Released this year (or, early in January, within the last two months).
        releasedFrom: Math.min(startOfYear(today), today - 60),
        violent: true,
        recentCharge: 'shoplifting',
        inTreatment: true,
        accommodation: 'temporary',
        ogrsAtLeast: 82,
      };
    case WRINKLES.spellingVariant:
      return { segment: 'community', probation: true, housing: true, drugs: true, category: 'shoplifting', substances: ['opiates', 'crack'] };
    case WRINKLES.missingPnc:
      return { segment: 'on-licence', probation: true, category: random.weighted(SUPERVISED_MIX), ...quiet };
    case WRINKLES.sameNameAndDateOfBirth[0]:
      return { segment: 'community', probation: true, category: random.weighted(SUPERVISED_MIX), ...quiet };
    case WRINKLES.sameNameAndDateOfBirth[1]:
      return { segment: 'police-only', probation: false, category: random.weighted(POLICE_MIX), ...quiet };
    case WRINKLES.probableOnly:
      return { segment: 'police-only', probation: false, category: random.weighted(POLICE_MIX), ...quiet, housing: true };
    case WRINKLES.conflictingIdentifiers:
      return { segment: 'in-custody', probation: true, category: random.weighted(SUPERVISED_MIX), ...quiet };
    default:
      return null;
  }
}

function identityFor(context: Context, index: number, taken: Set<string>, earlier: readonly SyntheticPerson[]): Identity {
  const [first, second] = WRINKLES.sameNameAndDateOfBirth;
  const twin = earlier[first];
  if (index === second && twin) {
    return { givenName: twin.givenName, familyName: twin.familyName, sex: twin.sex, dateOfBirth: toDay(twin.dateOfBirth) };
  }
  if (index === WRINKLES.readmeExample) return inventIdentity(context, taken, { minimumAge: 26 });
  if (index === WRINKLES.spellingVariant) return inventIdentity(context, taken, { spellingVariants: true });
  return inventIdentity(context, taken);
}

/**
 * Gives an agency its own spelling of the person's name. A spelling that would match someone else's name
 * and date of birth is refused (a few variants are tried), so spellings never create a false probable match.
 */
function spellDifferently(context: Context, person: SyntheticPerson, agency: AgencyName, taken: Set<string>, change: 'given' | 'family' | 'both'): void {
  const { random } = context;
  const own = [person, ...Object.values(person.spellings)].map((name) => nameKey(name.givenName, name.familyName, person.dateOfBirth));
  for (let attempt = 0; attempt < 5; attempt++) {
    const givenName = change === 'family' ? person.givenName : misspell(person.givenName, random);
    const familyName = change === 'given' ? person.familyName : misspell(person.familyName, random);
    const key = nameKey(givenName, familyName, person.dateOfBirth);
    if (taken.has(key) && !own.includes(key)) continue;
    taken.add(key);
    person.spellings[agency] = { givenName, familyName };
    return;
  }
}

function applyWrinkles(context: Context, people: SyntheticPerson[], taken: Set<string>): void {
  const at = (index: number) => people[index];
  for (const index of [WRINKLES.readmeExample, WRINKLES.spellingVariant]) {
    const person = at(index);
    if (!person) continue;
    // Housing was given the CRN by probation; the drug service took the PNC ID at a test on arrest.
    person.missingAt = { housing: missingExcept('crn'), drugs: missingExcept('pnc') };
  }
  const variant = at(WRINKLES.spellingVariant);
  if (variant) {
    // Two spellings that differ from each other as well as from the name.
    spellDifferently(context, variant, 'housing', taken, 'both');
    spellDifferently(context, variant, 'drugs', taken, 'given');
  }
  const missingPnc = at(WRINKLES.missingPnc);
  if (missingPnc) missingPnc.missingAt = { ...missingPnc.missingAt, probation: ['pnc'] };
  const conflicting = at(WRINKLES.conflictingIdentifiers);
  const cro = conflicting?.identifiers.cro;
  if (conflicting && cro) {
    // Same year, another serial: valid, and someone else's number as far as the prison can tell.
    conflicting.conflicting = { prison: { cro: context.mint.cro(Number(cro.slice(7, 9))) } };
  }
}

/** Agencies that hold a partnership identifier for the person, so a different spelling still links. */
function linkableAgencies(person: SyntheticPerson): AgencyName[] {
  const agencies: AgencyName[] = [];
  if (person.police) agencies.push('police');
  if (person.probation) agencies.push('probation');
  if (person.prison) agencies.push('prison');
  if (person.housing && (person.missingAt.housing?.length ?? 0) < 4) agencies.push('housing');
  if (person.drugs && (person.missingAt.drugs?.length ?? 0) < 4) agencies.push('drugs');
  return agencies;
}

/** About 1% of people spelt differently by one agency; only where three agencies link, so most records agree. */
function sprinkleSpellings(context: Context, people: SyntheticPerson[], taken: Set<string>): void {
  const { random } = context;
  const candidates = people.filter((p) => !WRINKLE_INDEXES.includes(p.index) && linkableAgencies(p).length >= 3);
  for (const person of random.sample(candidates, Math.round(people.length * 0.01))) {
    const agency = random.pick(linkableAgencies(person).filter((a) => a !== 'police'));
    spellDifferently(context, person, agency, taken, random.chance(0.5) ? 'given' : 'family');
  }
}

export function createPopulation(options: PopulationOptions = {}): Population {
  const { seed, size, referenceDate } = PopulationOptions.parse(options);
  const random = createRandom(seed);
  const context: Context = { random, today: toDay(referenceDate), staff: createStaffDirectory(random), mint: createMint(random) };
  const taken = new Set<string>();
  const people: SyntheticPerson[] = [];
  for (let index = 0; index < size; index++) {
    const plan = wrinklePlan(context, index) ?? choosePlan(random);
    people.push(createPerson(context, index, plan, identityFor(context, index, taken, people)));
  }
  applyWrinkles(context, people, taken);
  selectCohort(context, people, [WRINKLES.readmeExample]);
  sprinkleSpellings(context, people, taken);
  return { seed, referenceDate: isoDate(context.today), people };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

let memo: Population | undefined;

/** The default population (seed 20261101, 2,000 people), built once and frozen: every caller in the process shares it. */
export const defaultPopulation = (): Population => (memo ??= deepFreeze(createPopulation()));
