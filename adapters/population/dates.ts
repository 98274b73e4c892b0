/**
 * Calendar arithmetic on whole days (days since 1970-01-01), so the generator never touches the clock or
 * a time zone: every date derives from the population's reference date. Pure arithmetic (H. Hinnant's
 * civil-calendar algorithms) rather than Date objects, because the generator converts dates by the hundred thousand.
 */

interface Civil {
  year: number;
  month: number;
  day: number;
}

function daysFromCivil({ year, month, day }: Civil): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(days: number): Civil {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day: dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1 };
}

function daysInMonth(year: number, month: number): number {
  return month === 12 ? 31 : daysFromCivil({ year, month: month + 1, day: 1 }) - daysFromCivil({ year, month, day: 1 });
}

export function toDay(iso: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${iso}`);
  return daysFromCivil({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) });
}

export function isoDate(day: number): string {
  const { year, month, day: dayOfMonth } = civilFromDays(day);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${dayOfMonth < 10 ? '0' : ''}${dayOfMonth}`;
}

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && isoDate(toDay(text)) === text;
}

/** The same day of the month `months` later (or earlier), clamped to the month's last day. */
export function addMonths(day: number, months: number): number {
  const { year, month, day: dayOfMonth } = civilFromDays(day);
  const index = year * 12 + (month - 1) + months;
  const target = { year: Math.floor(index / 12), month: (((index % 12) + 12) % 12) + 1 };
  return daysFromCivil({ ...target, day: Math.min(dayOfMonth, daysInMonth(target.year, target.month)) });
}

export function addYears(day: number, years: number): number {
  return addMonths(day, years * 12);
}

export function yearOf(day: number): number {
  return civilFromDays(day).year;
}

export function startOfYear(day: number): number {
  return daysFromCivil({ year: yearOf(day), month: 1, day: 1 });
}

/** Whole years from one day to another, as a birthday counts them. */
export function yearsBetween(from: number, to: number): number {
  let years = yearOf(to) - yearOf(from);
  if (addYears(from, years) > to) years -= 1;
  return years;
}
