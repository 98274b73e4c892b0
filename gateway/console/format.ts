/** How the console writes times, dates and lists: London time, as the partnership works in it. */

const whenFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
const offsetFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'shortOffset' });

export const when = (iso: string | Date): string => whenFormat.format(new Date(iso));

/** The London calendar date (YYYY-MM-DD) of an instant. */
export const londonDate = (instant: string | Date): string => dayFormat.format(new Date(instant));

/** The instant London's day `date` (YYYY-MM-DD) begins. */
export function londonMidnight(date: string): Date {
  const noon = new Date(`${date}T12:00:00Z`);
  const offset = /GMT([+-]\d+)?/.exec(offsetFormat.format(noon))?.[1];
  return new Date(new Date(`${date}T00:00:00Z`).getTime() - Number(offset ?? 0) * 3_600_000);
}

/** The London date `days` days before `now`'s. */
export function daysBefore(now: Date, days: number): string {
  const today = new Date(`${londonDate(now)}T12:00:00Z`);
  return londonDate(new Date(today.getTime() - days * 86_400_000));
}

/** The calendar date after `date` (YYYY-MM-DD). */
export const dayAfter = (date: string): string => new Date(Date.parse(`${date}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export const isDate = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));

/** A CSV field: quoted, and never read by a spreadsheet as a formula. */
export function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

export const csvLine = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\r\n`;
