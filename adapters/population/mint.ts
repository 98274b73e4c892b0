/**
 * Issues the population's identifiers: valid by schema/identifiers.ts and never issued twice,
 * whichever person or agency record they end up on.
 */
import { mintCro, mintPnc } from '../../schema/identifiers.js';
import type { Random } from './random.js';

export interface Mint {
  /** PNC ID; the year is the year of the first arrest. */
  pnc(year: number): string;
  /** CRO number (classic form); the year is the year of the first recorded sanction. */
  cro(year: number): string;
  /** Probation case reference: a capital letter and six digits, X for most. */
  crn(): string;
  /** Prison (NOMS) number, A1234BC. */
  nomsNumber(): string;
  /** Housing options case reference, HSG-004211. */
  housingReference(): string;
  /** Drug Interventions Programme reference, DIP-08812. */
  drugsReference(): string;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function createMint(random: Random): Mint {
  const issued = new Set<string>();
  const unique = (make: () => string): string => {
    for (;;) {
      const value = make();
      if (!issued.has(value)) {
        issued.add(value);
        return value;
      }
    }
  };
  const letter = () => LETTERS[random.int(0, LETTERS.length - 1)] as string;
  const digits = (count: number) => String(random.int(0, 10 ** count - 1)).padStart(count, '0');
  return {
    pnc: (year) => unique(() => mintPnc(year, random.int(1, 999_999))),
    cro: (year) => unique(() => mintCro(random.int(1, 999_999), year)),
    crn: () => unique(() => `${random.chance(0.85) ? 'X' : letter()}${digits(6)}`),
    nomsNumber: () => unique(() => `${random.chance(0.7) ? 'A' : 'G'}${random.int(1000, 9999)}${letter()}${letter()}`),
    housingReference: () => unique(() => `HSG-${digits(6)}`),
    drugsReference: () => unique(() => `DIP-${digits(5)}`),
  };
}
