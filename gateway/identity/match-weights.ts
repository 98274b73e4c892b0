/**
 * Fellegi–Sunter weights for name and date-of-birth matching, so that a person can check why a candidate is one.
 * Each field is compared at an agreement level; each level is worth log2(m / u): m, how often the field agrees so
 * for records of the same person (data-entry quality, estimated), u, how often it does so by chance for two
 * different people. An exact agreement's u is the frequency of that very value in the index, so "Smith" agreeing
 * counts for less than "Okonkwo", and a date of birth that many share for less than a rare one. The weights explain
 * and order candidates; they never link anyone (docs/adr/0141): only a shared identifier does.
 */

export type MatchField = 'GIVEN_NAME' | 'FAMILY_NAME' | 'DATE_OF_BIRTH';
export type FieldAgreement = 'EXACT' | 'SIMILAR' | 'DIFFERENT' | 'NOT_GIVEN';

export interface FieldWeight {
  field: MatchField;
  agreement: FieldAgreement;
  /** log2(m / u), rounded to 0.01; 0 when the field was not given. */
  weight: number;
  m: number;
  u: number;
}

export interface MatchWeights {
  /** The sum of the fields' weights. */
  matchWeight: number;
  weights: FieldWeight[];
}

/** m per field and level: how often the same person's records agree so (spelling variants, typing slips). */
const M: Record<MatchField, Record<'EXACT' | 'SIMILAR' | 'DIFFERENT', number>> = {
  GIVEN_NAME: { EXACT: 0.85, SIMILAR: 0.1, DIFFERENT: 0.05 },
  FAMILY_NAME: { EXACT: 0.9, SIMILAR: 0.07, DIFFERENT: 0.03 },
  // Candidates agree on the date of birth exactly or were searched without one (match.ts), so its SIMILAR is unused.
  DATE_OF_BIRTH: { EXACT: 0.95, SIMILAR: 0.03, DIFFERENT: 0.02 },
};

/** u for the levels that no single value decides: how often two different people agree so by chance. */
const U_SIMILAR: Record<MatchField, number> = { GIVEN_NAME: 0.02, FAMILY_NAME: 0.01, DATE_OF_BIRTH: 0.001 };
const U_DIFFERENT: Record<MatchField, number> = { GIVEN_NAME: 0.95, FAMILY_NAME: 0.98, DATE_OF_BIRTH: 0.998 };

/** How often each value of a field occurs among the index's records: the u of an exact agreement on it. */
export class ValueFrequencies {
  /** `counts`: the records holding each value asked about (indexed counts in store.ts); `total`: all records. */
  constructor(
    private readonly counts: ReadonlyMap<string, number>,
    private readonly total: number,
  ) {}

  /** A value never seen counts as seen once: a rare value, not an impossible one. */
  share(value: string): number {
    return Math.max(1, this.counts.get(value) ?? 0) / Math.max(1, this.total);
  }
}

export interface FieldFrequencies {
  givenName: ValueFrequencies;
  familyName: ValueFrequencies;
  dateOfBirth: ValueFrequencies;
}

const round = (value: number) => Math.round(value * 100) / 100;

function weigh(field: MatchField, agreement: FieldAgreement, exactShare: number): FieldWeight {
  if (agreement === 'NOT_GIVEN') return { field, agreement, weight: 0, m: 1, u: 1 };
  const m = M[field][agreement];
  const u = agreement === 'EXACT' ? exactShare : agreement === 'SIMILAR' ? U_SIMILAR[field] : U_DIFFERENT[field];
  return { field, agreement, weight: round(Math.log2(m / u)), m, u: Number(u.toPrecision(3)) };
}

/** The name parts of a record, as nameTokens gives them. */
export interface RecordedName {
  given: string[];
  family: string[];
}

/**
 * The weights of a recorded name and date of birth against what was asked: `asked` is the name's tokens in any
 * order (a family name agrees wherever it stands), `similar` the token comparison the index uses for spellings.
 */
export function matchWeights(
  asked: { tokens: readonly string[]; dateOfBirth?: string },
  recorded: { name: RecordedName; dateOfBirth: string },
  frequencies: FieldFrequencies,
  similar: (a: string, b: string) => boolean,
): MatchWeights {
  const agreementOf = (parts: readonly string[]): FieldAgreement => {
    if (parts.length === 0) return 'NOT_GIVEN';
    if (parts.every((part) => asked.tokens.includes(part))) return 'EXACT';
    return parts.every((part) => asked.tokens.some((token) => similar(token, part))) ? 'SIMILAR' : 'DIFFERENT';
  };
  // The first given name carries the weight: middle names are recorded too unevenly to count against anyone.
  const given = recorded.name.given.slice(0, 1);
  const family = recorded.name.family;
  const dob: FieldAgreement = asked.dateOfBirth === undefined ? 'NOT_GIVEN' : asked.dateOfBirth === recorded.dateOfBirth ? 'EXACT' : 'DIFFERENT';
  const weights = [
    weigh('GIVEN_NAME', agreementOf(given), frequencies.givenName.share(given.join(' '))),
    weigh('FAMILY_NAME', agreementOf(family), frequencies.familyName.share(family.join(' '))),
    weigh('DATE_OF_BIRTH', dob, frequencies.dateOfBirth.share(recorded.dateOfBirth)),
  ];
  return { matchWeight: round(weights.reduce((sum, field) => sum + field.weight, 0)), weights };
}
