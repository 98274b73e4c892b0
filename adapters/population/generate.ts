/**
 * The synthetic population every simulator serves: one set of invented people, each agency seeing its
 * own part, generated deterministically from a seed (same seed, same people; no Math.random, no clock).
 */
import { z } from 'zod';
import { mintCro } from '../../schema/identifiers.js';
import { chooseCohort } from './cohort.js';
import type { Context } from './context.js';
import { isIsoDate, isoDate, startOfYear, toDay } from './dates.js';
import { createMints, drawnMint, type Mints, serialsOf } from './mint.js';
import { FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, misspell } from './names.js';
import { POLICE_MIX, SUPERVISED_MIX } from './offences.js';
import { BIRTHDAYS, createPerson, type Identity, type IdentityDeal, identityAt, inventIdentity, missingExcept } from './person.js';
import { choosePlan, type Plan } from './plan.js';
import { createRandom, type Random } from './random.js';
import { createScramble, mix } from './scramble.js';
import { createStaffDirectory, type StaffDirectory } from './staff.js';
import { type AgencyName, MATERIALISED_AT_MOST, type MintedKind, type Population, type SyntheticPerson } from './types.js';

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
 *   different PNC IDs, both known to police, the first also to probation and in the IOM cohort.
 * - 5 `probableOnly`: a housing record with no partnership identifier whose name and date of birth match
 *   the person's police record: a probable match only.
 * - 6 `conflictingIdentifiers`: the prison holds a different, valid CRO number from the police's (a
 *   data-entry error; see `conflicting`).
 * Beyond these, about 1% of people have their name spelt differently by one agency.
 * Everything else about a person is decided from the seed and their index alone (ADR 0155), so any one person can be
 * made without making the people before them.
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

/** The most people a population holds: every identifier scheme (mint.ts) and birthday deal (person.ts) has room for them. */
export const POPULATION_SIZE_LIMIT = 1_000_000;

const PopulationOptions = z
  .object({
    seed: z.number().int().default(20261101),
    size: z.number().int().min(1).max(POPULATION_SIZE_LIMIT).default(2000),
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

/** What every person of one population shares: O(1) to make, whatever the size. */
interface Frame {
  seed: number;
  today: number;
  staff: StaffDirectory;
  deal: IdentityDeal;
  mints: Mints;
}

/**
 * Each person's own chance, seeded by the population's seed and their index. The README's example alone continues the
 * population's first stream after the staff directory, as it did when the whole population was drawn from one stream,
 * so his name, date of birth and identifiers stay those the README shows.
 */
function readmeExampleStream(seed: number): { random: Random; staff: StaffDirectory } {
  const random = createRandom(seed);
  return { random, staff: createStaffDirectory(random) };
}

const personStream = (seed: number, index: number): Random => createRandom(mix(mix(seed >>> 0, Math.floor(seed / 2 ** 32)), index + 1));

function createFrame(seed: number, today: number): Frame {
  const { staff } = readmeExampleStream(seed);
  const slots = createScramble(BIRTHDAYS, mix(seed >>> 0, 0xb1d7));
  const deal: IdentityDeal = {
    slot: (index) => slots.forward(index % BIRTHDAYS),
    nameOffset: (index) => mix(seed >>> 0, 0x9a3e + (index % BIRTHDAYS)),
  };
  // The README's example, made first: the scrambles keep the identifiers he drew for him.
  const readme = buildReadmeExample(seed, today);
  return { seed, today, staff, deal, mints: createMints(seed, serialsOf({ ...readme.identifiers, ...referencesOf(readme) })) };
}

const referencesOf = (person: SyntheticPerson) => ({ housingReference: person.housing?.reference ?? null, drugsReference: person.drugs?.reference ?? null });

function buildReadmeExample(seed: number, today: number): SyntheticPerson {
  const { random, staff } = readmeExampleStream(seed);
  const context: Context = { random, today, staff, mint: drawnMint(random) };
  const index = WRINKLES.readmeExample;
  const person = createPerson(context, index, wrinklePlan(context, index) as Plan, inventIdentity(context, { minimumAge: 26 }));
  applyWrinkles(random, person);
  chooseCohort(context, person, 'fixed-high');
  return person;
}

function identityFor(frame: Frame, index: number, random: Random): Identity {
  const [first, second] = WRINKLES.sameNameAndDateOfBirth;
  if (index === second) {
    // The twin's identity is made afresh from its own stream: its first draws are its identity.
    const twin = identityAt(frame.deal, frame.today, first, personStream(frame.seed, first));
    random.next();
    return twin;
  }
  return identityAt(frame.deal, frame.today, index, random, { spellingVariants: index === WRINKLES.spellingVariant });
}

/** Names listed as real given or family names: a different spelling may not be one of them, so it is never someone else's name. */
const LISTED_NAMES = new Set([...MALE_GIVEN_NAMES, ...FEMALE_GIVEN_NAMES, ...FAMILY_NAMES]);

/**
 * Gives an agency its own spelling of the person's name. A spelling that is itself a listed name could be someone
 * else's name and date of birth, so it is refused (a few variants are tried) and spellings never make a false probable match.
 */
function spellDifferently(random: Random, person: SyntheticPerson, agency: AgencyName, change: 'given' | 'family' | 'both'): void {
  for (let attempt = 0; attempt < 5; attempt++) {
    const givenName = change === 'family' ? person.givenName : misspell(person.givenName, random);
    const familyName = change === 'given' ? person.familyName : misspell(person.familyName, random);
    if ((change !== 'family' && LISTED_NAMES.has(givenName)) || (change !== 'given' && LISTED_NAMES.has(familyName))) continue;
    person.spellings[agency] = { givenName, familyName };
    return;
  }
}

function applyWrinkles(random: Random, person: SyntheticPerson): void {
  const { index } = person;
  if (index === WRINKLES.readmeExample || index === WRINKLES.spellingVariant) {
    // Housing was given the CRN by probation; the drug service took the PNC ID at a test on arrest.
    person.missingAt = { housing: missingExcept('crn'), drugs: missingExcept('pnc') };
  }
  if (index === WRINKLES.spellingVariant) {
    // Two spellings that differ from each other as well as from the name.
    spellDifferently(random, person, 'housing', 'both');
    spellDifferently(random, person, 'drugs', 'given');
  }
  if (index === WRINKLES.missingPnc) person.missingAt = { ...person.missingAt, probation: ['pnc'] };
  const cro = person.identifiers.cro;
  if (index === WRINKLES.conflictingIdentifiers && cro) {
    // The year mistyped: a valid number, and no one's at all, since the serial is this person's alone.
    const year = (Number(cro.slice(7, 9)) + 99) % 100;
    person.conflicting = { prison: { cro: mintCro(Number(cro.slice(0, 6)), year) } };
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

/**
 * About 1% of people spelt differently by one agency; only where three agencies link, so most records agree. A third
 * of people are linked by three, so a third of those are chosen.
 */
const SPELT_DIFFERENTLY = 0.03;

function sprinkleSpelling(random: Random, person: SyntheticPerson): void {
  const linkable = linkableAgencies(person);
  if (WRINKLE_INDEXES.includes(person.index) || linkable.length < 3 || !random.chance(SPELT_DIFFERENTLY)) return;
  const agency = random.pick(linkable.filter((a) => a !== 'police'));
  spellDifferently(random, person, agency, random.chance(0.5) ? 'given' : 'family');
}

function buildPerson(frame: Frame, index: number): SyntheticPerson {
  if (index === WRINKLES.readmeExample) return buildReadmeExample(frame.seed, frame.today);
  const random = personStream(frame.seed, index);
  const context: Context = { random, today: frame.today, staff: frame.staff, mint: frame.mints.forIndex(index, random) };
  const identity = identityFor(frame, index, random);
  const plan = wrinklePlan(context, index) ?? choosePlan(random);
  const person = createPerson(context, index, plan, identity);
  applyWrinkles(random, person);
  chooseCohort(context, person, index === WRINKLES.sameNameAndDateOfBirth[0] ? 'member' : undefined);
  sprinkleSpelling(random, person);
  return person;
}

export function createPopulation(options: PopulationOptions = {}): Population {
  const { seed, size, referenceDate } = PopulationOptions.parse(options);
  const frame = createFrame(seed, toDay(referenceDate));
  let people: SyntheticPerson[] | undefined;
  const person = (index: number): SyntheticPerson => {
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`no person at ${index}: the population has ${size}`);
    return people?.[index] ?? buildPerson(frame, index);
  };
  return {
    seed,
    referenceDate: isoDate(frame.today),
    size,
    person,
    *[Symbol.iterator]() {
      for (let index = 0; index < size; index++) yield person(index);
    },
    indexOf: (kind: MintedKind, value: string) => {
      const index = frame.mints.indexOf(kind, value);
      return index !== undefined && index < size ? index : undefined;
    },
    get people(): readonly SyntheticPerson[] {
      if (size > MATERIALISED_AT_MOST) throw new RangeError(`a population of ${size} is streamed (person, iteration), not held in memory`);
      people ??= Array.from({ length: size }, (_, index) => buildPerson(frame, index));
      return people;
    },
  };
}

/**
 * A population of the given people, for tests that alter a generated one: indexes are positions in the list, and
 * identifiers (as altered) are looked up among the people themselves.
 */
export function populationOf(frame: { seed: number; referenceDate: string }, people: readonly SyntheticPerson[]): Population {
  const held = new Map<string, number>();
  people.forEach((person, position) => {
    const identifiers = { ...person.identifiers, ...referencesOf(person) };
    for (const [kind, value] of Object.entries(identifiers)) if (value !== null && !held.has(`${kind}|${value}`)) held.set(`${kind}|${value}`, position);
  });
  const person = (index: number): SyntheticPerson => {
    const found = people[index];
    if (!found) throw new RangeError(`no person at ${index}: the population has ${people.length}`);
    return found;
  };
  return {
    seed: frame.seed,
    referenceDate: frame.referenceDate,
    size: people.length,
    person,
    [Symbol.iterator]: () => people[Symbol.iterator](),
    indexOf: (kind, value) => held.get(`${kind}|${value}`),
    people,
  };
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
