/** The partnership's calendar: dates (review dates, selection dates, quarters) are days in England. */
const england = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The date in England at `at`, YYYY-MM-DD: a clause reviewed by 30 September holds all that day, BST or not. */
export function partnershipDate(at: Date): string {
  return england.format(at);
}
