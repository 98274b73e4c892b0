/**
 * Issues the population's identifiers: valid by schema/identifiers.ts and never issued twice. Each is minted from the
 * person's index through a keyed scramble (scramble.ts), so it is unique without a register of those issued and an
 * agency key reads back to the person's index without a map. The README's example (index 0) keeps the identifiers it
 * was first given by chance (`drawnMint`): the scrambles reserve those values for index 0.
 */
import { mintCro, mintPnc } from '../../schema/identifiers.js';
import type { Random } from './random.js';
import { createScramble, mix, type Scramble } from './scramble.js';
import type { MintedKind } from './types.js';

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
  /** Drug Interventions Programme reference, DIP-08812 (seven digits from the 100,000th person on). */
  drugsReference(): string;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The serial part of each identifier, as a number inside its scramble's range, or undefined for another shape. */
const SERIAL: Record<MintedKind, (value: string) => number | undefined> = {
  pnc: (value) => matched(/^\d{4}\/(\d{7})[A-Z]$/, value, (s) => Number(s) - 1),
  cro: (value) => matched(/^(\d{6})\/\d{2}[A-Z]$/, value, Number),
  crn: (value) => matched(/^[A-Z](\d{6})$/, value, Number),
  nomsNumber: (value) =>
    matched(
      /^[A-Z](\d{4}[A-Z]{2})$/,
      value,
      (s) => (Number(s.slice(0, 4)) - 1000) * 676 + LETTERS.indexOf(s[4] as string) * 26 + LETTERS.indexOf(s[5] as string),
    ),
  housingReference: (value) => matched(/^HSG-(\d{6})$/, value, Number),
  drugsReference: (value) => matched(/^DIP-(\d{5})$/, value, Number),
};

function matched(pattern: RegExp, value: string, serial: (digits: string) => number): number | undefined {
  const digits = pattern.exec(value)?.[1];
  return digits === undefined ? undefined : serial(digits);
}

/** Five-digit drug service references run out at 100,000; later people get seven digits from 1,000,000 up. */
const SHORT_DRUGS_REFERENCES = 100_000;

/** The identifiers the README's example drew by chance, as serials: the scrambles keep them for index 0. */
export type ReservedSerials = Partial<Record<MintedKind, number>>;

export interface Mints {
  /** The mint for one person: the same index always gets the same identifiers. */
  forIndex(index: number, random: Random): Mint;
  /** The index an identifier was minted for, or undefined if no index could have been given it. */
  indexOf(kind: MintedKind, value: string): number | undefined;
}

export function createMints(seed: number, reserved: ReservedSerials): Mints {
  const key = (kind: string) =>
    mix(
      seed >>> 0,
      [...kind].reduce((hash, char) => mix(hash, char.charCodeAt(0)), 0),
    );
  const scrambles: Record<MintedKind, Scramble> = {
    pnc: createScramble(9_999_999, key('pnc'), reserved.pnc),
    cro: createScramble(1_000_000, key('cro'), reserved.cro),
    crn: createScramble(1_000_000, key('crn'), reserved.crn),
    nomsNumber: createScramble(9000 * 676, key('nomsNumber'), reserved.nomsNumber),
    housingReference: createScramble(1_000_000, key('housingReference'), reserved.housingReference),
    drugsReference: createScramble(SHORT_DRUGS_REFERENCES, key('drugsReference'), reserved.drugsReference),
  };
  const longDrugs = createScramble(9_000_000, key('drugsReference-long'));
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return {
    forIndex(index, random) {
      const serial = (kind: MintedKind) => scrambles[kind].forward(index);
      return {
        pnc: (year) => mintPnc(year, serial('pnc') + 1),
        cro: (year) => mintCro(serial('cro'), year),
        crn: () => `${random.chance(0.85) ? 'X' : LETTERS[random.int(0, 25)]}${pad(serial('crn'), 6)}`,
        nomsNumber: () => {
          const value = serial('nomsNumber');
          const letter = (n: number) => LETTERS[n % 26] as string;
          return `${random.chance(0.7) ? 'A' : 'G'}${1000 + Math.floor(value / 676)}${letter(Math.floor(value / 26))}${letter(value)}`;
        },
        housingReference: () => `HSG-${pad(serial('housingReference'), 6)}`,
        drugsReference: () =>
          index < SHORT_DRUGS_REFERENCES ? `DIP-${pad(serial('drugsReference'), 5)}` : `DIP-${1_000_000 + longDrugs.forward(index - SHORT_DRUGS_REFERENCES)}`,
      };
    },
    indexOf(kind, value) {
      if (kind === 'drugsReference' && /^DIP-\d{7}$/.test(value)) {
        const index = longDrugs.backward(Number(value.slice(4)) - 1_000_000);
        return index === undefined ? undefined : index + SHORT_DRUGS_REFERENCES;
      }
      const serial = SERIAL[kind](value);
      return serial === undefined ? undefined : scrambles[kind].backward(serial);
    },
  };
}

/**
 * Identifiers drawn by chance, the way the population's first version issued them: only the README's example still
 * has these (its PNC ID is in the README), and `serialsOf` hands them to `createMints` to reserve.
 */
export function drawnMint(random: Random): Mint {
  const letter = () => LETTERS[random.int(0, LETTERS.length - 1)] as string;
  const digits = (count: number) => String(random.int(0, 10 ** count - 1)).padStart(count, '0');
  return {
    pnc: (year) => mintPnc(year, random.int(1, 999_999)),
    cro: (year) => mintCro(random.int(1, 999_999), year),
    crn: () => `${random.chance(0.85) ? 'X' : letter()}${digits(6)}`,
    nomsNumber: () => `${random.chance(0.7) ? 'A' : 'G'}${random.int(1000, 9999)}${letter()}${letter()}`,
    housingReference: () => `HSG-${digits(6)}`,
    drugsReference: () => `DIP-${digits(5)}`,
  };
}

/** The serials of identifiers a person holds, for `createMints` to reserve. */
export function serialsOf(identifiers: Partial<Record<MintedKind, string | null>>): ReservedSerials {
  const serials: ReservedSerials = {};
  for (const kind of Object.keys(SERIAL) as MintedKind[]) {
    const value = identifiers[kind];
    const serial = value == null ? undefined : SERIAL[kind](value);
    if (serial !== undefined) serials[kind] = serial;
  }
  return serials;
}
