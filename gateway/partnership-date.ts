/** The partnership's calendar: dates (review dates, selection dates, quarters) are days in England. */
const england = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The last minute asked about and its date: every ISP decision asks, and Intl formatting costs more than the rest of a decision. */
let cached = { minute: Number.NaN, date: '' };

/** The date in England at `at`, YYYY-MM-DD: a clause reviewed by 30 September holds all that day, BST or not. */
export function partnershipDate(at: Date): string {
  // Offsets from UTC are whole minutes, so the date cannot change within one.
  const minute = Math.floor(at.getTime() / 60_000);
  if (minute !== cached.minute) cached = { minute, date: england.format(at) };
  return cached.date;
}
