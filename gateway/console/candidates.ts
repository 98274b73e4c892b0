/**
 * A name-and-date-of-birth candidate as the console shows it: named by gateway id and identifiers only, with the
 * Fellegi–Sunter weights behind it written so that an IG officer can check them (docs/adr/0160).
 */
import type { RecordedIdentifiers } from '../enforcement/index.js';
import type { Candidate } from '../identity/index-of-people.js';
import type { FieldAgreement, FieldWeight, MatchField } from '../identity/match-weights.js';

const FIELD_TEXT: Record<MatchField, string> = { GIVEN_NAME: 'Given name', FAMILY_NAME: 'Family name', DATE_OF_BIRTH: 'Date of birth' };
const AGREEMENT_TEXT: Record<FieldAgreement, string> = {
  EXACT: 'Exact',
  SIMILAR: 'Similar spelling',
  DIFFERENT: 'Different',
  NOT_GIVEN: 'Not given',
};
const CONFIDENCE_TEXT: Record<Candidate['confidence'], string> = { CERTAIN: 'Certain', PROBABLE: 'Probable', POSSIBLE: 'Possible' };

const probabilityFormat = new Intl.NumberFormat('en-GB', { maximumSignificantDigits: 3 });
const countFormat = new Intl.NumberFormat('en-GB', { maximumSignificantDigits: 2 });

/** A weight with its sign spelt out (a true minus sign, which screen readers say), to two decimals. */
export function signedWeight(weight: number): string {
  if (weight > 0) return `+${weight.toFixed(2)}`;
  return weight < 0 ? `\u2212${Math.abs(weight).toFixed(2)}` : '0.00';
}

/** A probability as a plain decimal, never in exponent form: 0.000196, not 1.96e-4. */
export const probability = (value: number): string => probabilityFormat.format(value);

/** A small chance as "about 1 in N", which reads more easily than a decimal; nothing for an even chance or more. */
export const oneIn = (value: number): string | undefined => (value > 0 && value <= 0.5 ? `about 1 in ${countFormat.format(1 / value)}` : undefined);

export interface ShownFieldWeight {
  field: string;
  agreement: string;
  weight: string;
  m: string;
  u: string;
  uOneIn: string | undefined;
}

export interface ShownCandidate {
  id: string;
  anchor: string;
  identifiers: RecordedIdentifiers;
  reportHref: string;
  confidence: string;
  matchWeight: string;
  weights: ShownFieldWeight[];
}

const shownField = (weight: FieldWeight): ShownFieldWeight => ({
  field: FIELD_TEXT[weight.field],
  agreement: AGREEMENT_TEXT[weight.agreement],
  weight: signedWeight(weight.weight),
  m: probability(weight.m),
  u: probability(weight.u),
  uOneIn: weight.agreement === 'NOT_GIVEN' ? undefined : oneIn(weight.u),
});

/** `person` is the candidate as the officer's scope lets them see it; `anchor` names its weights on the page. */
export function shownCandidate(candidate: Candidate, person: { id: string; identifiers: RecordedIdentifiers }, anchor: string): ShownCandidate {
  return {
    id: person.id,
    anchor,
    identifiers: person.identifiers,
    reportHref: `/console/access-report?${new URLSearchParams({ personId: person.id })}`,
    confidence: CONFIDENCE_TEXT[candidate.confidence],
    matchWeight: signedWeight(candidate.matchWeight),
    weights: candidate.weights.map(shownField),
  };
}
