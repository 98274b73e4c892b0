/**
 * One synthetic person: an identity, then each agency's facts written from the person's plan, then the
 * identifiers each agency was given.
 */
import { IDENTIFIER_KINDS, type IdentifierKind } from '../../schema/identifiers.js';
import type { Context } from './context.js';
import { addYears, isoDate, yearOf, yearsBetween } from './dates.js';
import { buildDrugsFacts } from './drugs.js';
import { buildHousingFacts } from './housing.js';
import { FAMILY_NAMES, FEMALE_GIVEN_NAMES, hasVariant, MALE_GIVEN_NAMES } from './names.js';
import { buildOffending } from './offending.js';
import type { Plan } from './plan.js';
import { buildPoliceFacts } from './police.js';
import { buildPrisonFacts } from './prison.js';
import { buildProbationFacts } from './probation.js';
import type { Random } from './random.js';
import type { SyntheticPerson } from './types.js';

export interface Identity {
  givenName: string;
  familyName: string;
  sex: 'male' | 'female';
  /** Day number (dates.ts). */
  dateOfBirth: number;
}

/** The identifiers an agency does not hold, given those it does. */
export const missingExcept = (...held: IdentifierKind[]): IdentifierKind[] => IDENTIFIER_KINDS.filter((kind) => !held.includes(kind));

/** Name and date of birth as the gateway compares them: the name's words in any order, any case. */
export function nameKey(givenName: string, familyName: string, dateOfBirth: string): string {
  return `${[givenName, familyName]
    .map((n) => n.toLowerCase())
    .sort()
    .join(' ')}|${dateOfBirth}`;
}

/**
 * A new identity drawn by chance: how the README's example (index 0) got its name and date of birth, kept so that he
 * stays who the README says he is. Everyone else's comes from `identityAt`.
 */
export function inventIdentity(context: Context, options: { minimumAge?: number } = {}): Identity {
  const { random, today } = context;
  const sex = random.chance(0.85) ? 'male' : 'female';
  const minimumAge = options.minimumAge ?? 18;
  const age = minimumAge + Math.floor(random.next() ** 1.5 * (62 - minimumAge));
  const dateOfBirth = addYears(today, -age) - random.int(1, 364);
  const givenName = random.pick(sex === 'male' ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
  const familyName = random.pick(FAMILY_NAMES);
  return { givenName, familyName, sex, dateOfBirth };
}

/**
 * Birthdays are dealt in rounds of BIRTHDAYS people: within a round every person has a different date of birth (ages
 * 18 to 62, more of them young), and people a round apart who share one are given different names (below), so a name
 * and date of birth never match by accident, at any size up to BIRTHDAYS × 2,880 (the fewest names of one sex).
 */
export const BIRTHDAYS = 8000;

/** Days past the 18th birthday for the person at a slot: increasing by a day at least, so no two slots share a day. */
const daysPastEighteen = (slot: number) => 1 + slot + Math.floor(slot * slot * BIRTHDAY_SPREAD);
/** Chosen so the last slot is about 62 years old; a young slot is a day apart from the next, an old one three. */
const BIRTHDAY_SPREAD = 8070 / (BIRTHDAYS - 1) ** 2;

/** What identities are dealt from: a seed-keyed order of birthday slots and a name offset per slot. */
export interface IdentityDeal {
  slot(index: number): number;
  nameOffset(index: number): number;
}

export function identityAt(deal: IdentityDeal, today: number, index: number, random: Random, options: { spellingVariants?: boolean } = {}): Identity {
  const sex = random.chance(0.85) ? 'male' : 'female';
  const usable = (names: readonly string[]) => (options.spellingVariants ? names.filter(hasVariant) : names);
  const given = usable(sex === 'male' ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
  const family = usable(FAMILY_NAMES);
  const round = Math.floor(index / BIRTHDAYS);
  // People who share a birthday slot are a round apart, and each round moves the name one step on: no two share both.
  const name = (deal.nameOffset(index) + round) % (given.length * family.length);
  return {
    givenName: given[name % given.length] as string,
    familyName: family[Math.floor(name / given.length)] as string,
    sex,
    dateOfBirth: addYears(today, -18) - daysPastEighteen(deal.slot(index)),
  };
}

export function createPerson(context: Context, index: number, plan: Plan, identity: Identity): SyntheticPerson {
  const { random, today, mint } = context;
  const age = yearsBetween(identity.dateOfBirth, today);
  const category = plan.category;
  const offending = category === null ? null : buildOffending(context, index, { ...plan, category }, identity.dateOfBirth);
  const police = offending ? buildPoliceFacts(context, plan, offending) : null;
  const sentence = offending?.sentence ?? null;
  const prison = sentence?.custody ? buildPrisonFacts(context, plan, sentence, sentence.custody) : null;
  const drugs = plan.drugs ? buildDrugsFacts(context, plan, offending?.arrests ?? [], sentence?.custody?.released) : null;
  const housing = plan.housing ? buildHousingFacts(context, plan, police?.warningMarkers ?? [], sentence?.custody?.released ?? null) : null;
  const probation =
    plan.probation && category !== null && offending && police
      ? buildProbationFacts(
          context,
          { ...plan, category },
          { age, sex: identity.sex, offending, police, housing: housing?.facts ?? null, drugs: drugs?.facts ?? null },
        )
      : null;

  // CRO numbers come with a recorded sanction; everyone supervised has one.
  const firstSanction = offending?.firstSanction ?? null;
  const hasCro = firstSanction !== null && (probation !== null || prison !== null || random.chance(0.9));
  const identifiers = {
    pnc: offending ? mint.pnc(yearOf(offending.firstArrest)) : null,
    cro: hasCro && firstSanction !== null ? mint.cro(yearOf(firstSanction)) : null,
    nomsNumber: prison ? mint.nomsNumber() : null,
    crn: probation ? mint.crn() : null,
  };

  const missingAt: SyntheticPerson['missingAt'] = {};
  if (housing) missingAt.housing = housing.holdsCrn ? missingExcept('crn') : missingExcept();
  if (drugs) missingAt.drugs = drugs.holdsPnc ? missingExcept('pnc') : missingExcept();

  return {
    index,
    givenName: identity.givenName,
    familyName: identity.familyName,
    dateOfBirth: isoDate(identity.dateOfBirth),
    sex: identity.sex,
    identifiers,
    police,
    probation,
    prison,
    housing: housing?.facts ?? null,
    drugs: drugs?.facts ?? null,
    spellings: {},
    missingAt,
    cohort: null,
  };
}
