/**
 * Calendar arithmetic for the outcomes report, on ISO dates (YYYY-MM-DD), which compare correctly as text.
 * Calendar quarters: Q1 is January to March.
 */

export interface Quarter {
  /** e.g. "2026 Q3". */
  label: string;
  start: string;
  end: string;
}

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');

export function quarterOf(date: string): Quarter {
  const year = Number(date.slice(0, 4));
  const q = Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1;
  const lastMonth = q * 3;
  // Day 0 of the next month is the last day of this one.
  const lastDay = new Date(Date.UTC(year, lastMonth, 0)).getUTCDate();
  return { label: `${year} Q${q}`, start: `${year}-${pad(lastMonth - 2)}-01`, end: `${year}-${pad(lastMonth)}-${pad(lastDay)}` };
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both counted; 0 when `to` is before `from`. */
export function daysBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1);
}

/** The same day a year earlier (29 February becomes 28 February). */
export function yearBefore(date: string): string {
  const monthDay = date.slice(5) === '02-29' ? '02-28' : date.slice(5);
  return `${Number(date.slice(0, 4)) - 1}-${monthDay}`;
}

/** The quarters from the one holding `from` to the one holding `to`, in order. */
export function quartersBetween(from: string, to: string): Quarter[] {
  const quarters: Quarter[] = [];
  for (let quarter = quarterOf(from); quarter.start <= to; quarter = quarterOf(addDays(quarter.end, 1))) quarters.push(quarter);
  return quarters;
}
