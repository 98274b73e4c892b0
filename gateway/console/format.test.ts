import { describe, expect, it } from 'vitest';
import { csvField, dayAfter, daysBefore, londonDate, londonMidnight } from './format.js';

describe('console dates and CSV', () => {
  it("finds a London day's midnight in winter and in summer time", () => {
    expect(londonMidnight('2025-01-15').toISOString()).toBe('2025-01-15T00:00:00.000Z');
    expect(londonMidnight('2025-07-01').toISOString()).toBe('2025-06-30T23:00:00.000Z');
    expect(londonDate('2025-06-30T23:30:00Z')).toBe('2025-07-01');
    expect(dayAfter('2025-03-30')).toBe('2025-03-31');
    expect(daysBefore(new Date('2025-03-01T12:00:00Z'), 1)).toBe('2025-02-28');
  });

  it('quotes CSV fields and keeps spreadsheets from reading them as formulas', () => {
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(undefined)).toBe('""');
  });
});
