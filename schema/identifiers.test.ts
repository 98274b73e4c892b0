import { describe, expect, it } from 'vitest';
import { canonicalCrn, canonicalCro, canonicalNomsNumber, canonicalPnc, checkLetter, mintCro, mintPnc } from './identifiers.js';

describe('partnership identifiers', () => {
  it('computes PNC check letters from the two-digit year and the 7-digit serial', () => {
    // 19 ++ 0012345 = 190012345; 190012345 mod 23 = 7 → "G"
    expect(checkLetter('190012345')).toBe('G');
    expect(canonicalPnc('2019/0012345G')).toEqual({ ok: true, value: '2019/0012345G' });
  });

  it('accepts the short PNC form and short serials, and canonicalises them', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    expect(canonicalPnc('19/12345g', now)).toEqual({ ok: true, value: '2019/0012345G' });
    const old = mintPnc(1998, 4567);
    expect(canonicalPnc(`98/${old.slice(5)}`, now)).toEqual({ ok: true, value: old });
  });

  it('refuses a PNC whose check letter is wrong, naming the expected one', () => {
    const result = canonicalPnc('2019/0012345E');
    expect(result).toEqual({ ok: false, reason: 'the check letter does not match (expected G)' });
    expect(canonicalPnc('2019-0012345G').ok).toBe(false);
  });

  it('validates both CRO forms', () => {
    const cro = mintCro(4567, 2011);
    expect(canonicalCro(cro)).toEqual({ ok: true, value: cro });
    expect(canonicalCro(cro.replace(/^0+/, ''))).toEqual({ ok: true, value: cro });
    const sfLetter = checkLetter('11' + '004567');
    expect(canonicalCro(`SF11/4567${sfLetter}`)).toEqual({ ok: true, value: `SF11/004567${sfLetter}` });
    expect(canonicalCro('004567/11Z').ok).toBe(cro.endsWith('Z'));
  });

  it('validates prison numbers and CRNs by pattern', () => {
    expect(canonicalNomsNumber(' a1234bc ')).toEqual({ ok: true, value: 'A1234BC' });
    expect(canonicalNomsNumber('A12345C').ok).toBe(false);
    expect(canonicalCrn('x123456')).toEqual({ ok: true, value: 'X123456' });
    expect(canonicalCrn('X12345').ok).toBe(false);
  });
});
