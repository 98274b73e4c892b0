import type { Mint } from './mint.js';
import type { Random } from './random.js';
import type { StaffDirectory } from './staff.js';

/** What every builder shares: the seeded chance, the reference day, the staff and the identifier mint. */
export interface Context {
  random: Random;
  /** The population's reference date, as a day number (see dates.ts). */
  today: number;
  staff: StaffDirectory;
  mint: Mint;
}
