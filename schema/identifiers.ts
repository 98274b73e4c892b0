/**
 * The partnership's person identifiers: validation, canonical forms and check letters.
 * Shared by the gateway (to validate what callers send) and the simulators (to mint valid numbers).
 */

export type IdentifierKind = 'pnc' | 'cro' | 'nomsNumber' | 'crn';

export const IDENTIFIER_KINDS: readonly IdentifierKind[] = ['pnc', 'cro', 'nomsNumber', 'crn'];

export const IDENTIFIER_LABELS: Record<IdentifierKind, string> = {
  pnc: 'PNC ID',
  cro: 'CRO number',
  nomsNumber: 'prison number',
  crn: 'CRN',
};

/** The 23 check letters shared by PNC and CRO numbers (I, O and S are left out). */
const CHECK_LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';

export type Canonical = { ok: true; value: string } | { ok: false; reason: string };

export function checkLetter(digits: string): string {
  // BigInt: the year-and-serial number can pass 2^53 in the SF CRO form.
  return CHECK_LETTERS[Number(BigInt(digits) % 23n)] as string;
}

/** Two-digit years are read as the most recent year not in the future. */
function fullYear(twoDigits: string, now: Date): string {
  const yy = Number(twoDigits);
  const century = Math.floor(now.getUTCFullYear() / 100) * 100;
  const year = century + yy > now.getUTCFullYear() ? century - 100 + yy : century + yy;
  return String(year);
}

/** PNC ID: `YYYY/NNNNNNNC` canonical; `YY/NNNNNNNC` and shorter serials accepted. */
export function canonicalPnc(input: string, now = new Date()): Canonical {
  const m = /^(\d{2}|\d{4})\/(\d{1,7})([A-Z])$/.exec(input.trim().toUpperCase());
  if (!m) return { ok: false, reason: 'a PNC ID looks like 2019/0012345X (or 19/12345X)' };
  const [, yearPart, serialPart, letter] = m as unknown as [string, string, string, string];
  const year = yearPart.length === 2 ? fullYear(yearPart, now) : yearPart;
  const serial = serialPart.padStart(7, '0');
  const expected = checkLetter(year.slice(2) + serial);
  if (letter !== expected) return { ok: false, reason: `the check letter does not match (expected ${expected})` };
  return { ok: true, value: `${year}/${serial}${letter}` };
}

/** CRO number: `NNNNNN/YYC` (serial zero-padded to 6) or `SFYY/NNNNNNC`. */
export function canonicalCro(input: string): Canonical {
  const text = input.trim().toUpperCase();
  const classic = /^(\d{1,6})\/(\d{2})([A-Z])$/.exec(text);
  if (classic) {
    const [, serialPart, yy, letter] = classic as unknown as [string, string, string, string];
    const serial = serialPart.padStart(6, '0');
    const expected = checkLetter(yy + serial);
    if (letter !== expected) return { ok: false, reason: `the check letter does not match (expected ${expected})` };
    return { ok: true, value: `${serial}/${yy}${letter}` };
  }
  const sf = /^SF(\d{2})\/(\d{1,6})([A-Z])$/.exec(text);
  if (sf) {
    const [, yy, serialPart, letter] = sf as unknown as [string, string, string, string];
    const serial = serialPart.padStart(6, '0');
    const expected = checkLetter(yy + serial);
    if (letter !== expected) return { ok: false, reason: `the check letter does not match (expected ${expected})` };
    return { ok: true, value: `SF${yy}/${serial}${letter}` };
  }
  return { ok: false, reason: 'a CRO number looks like 012345/19X or SF19/012345X' };
}

/** Prison (NOMS) number: `A1234BC`. */
export function canonicalNomsNumber(input: string): Canonical {
  const text = input.trim().toUpperCase();
  return /^[A-Z]\d{4}[A-Z]{2}$/.test(text) ? { ok: true, value: text } : { ok: false, reason: 'a prison number looks like A1234BC' };
}

/** Probation case reference number: `X123456`. */
export function canonicalCrn(input: string): Canonical {
  const text = input.trim().toUpperCase();
  return /^[A-Z]\d{6}$/.test(text) ? { ok: true, value: text } : { ok: false, reason: 'a CRN looks like X123456' };
}

export function canonicalIdentifier(kind: IdentifierKind, input: string): Canonical {
  switch (kind) {
    case 'pnc':
      return canonicalPnc(input);
    case 'cro':
      return canonicalCro(input);
    case 'nomsNumber':
      return canonicalNomsNumber(input);
    case 'crn':
      return canonicalCrn(input);
  }
}

/** Mint a valid PNC ID: for the synthetic population only. */
export function mintPnc(year: number, serial: number): string {
  const s = String(serial).padStart(7, '0');
  return `${year}/${s}${checkLetter(String(year).slice(2) + s)}`;
}

/** Mint a valid classic-form CRO number: for the synthetic population only. */
export function mintCro(serial: number, year: number): string {
  const s = String(serial).padStart(6, '0');
  const yy = String(year % 100).padStart(2, '0');
  return `${s}/${yy}${checkLetter(yy + s)}`;
}
