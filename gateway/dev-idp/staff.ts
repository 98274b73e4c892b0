/**
 * The development identity provider's people: two invented members of staff for every role of the ISP, so a
 * developer or a browser test can sign in as any kind of user. Names come from the synthetic population's lists.
 */
import { FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES } from '../../adapters/population/names.js';
import { createRandom } from '../../adapters/population/random.js';
import type { RoleCatalogue } from '../authentication/principal.js';

export interface StaffAccount {
  /** The user id (`sub`): the role's name and a number, e.g. `ig-officer-1`. */
  sub: string;
  name: string;
  agency: string;
  role: string;
}

export const ACCOUNTS_PER_ROLE = 2;

export function devStaff(catalogue: RoleCatalogue): StaffAccount[] {
  const random = createRandom(4400);
  return catalogue.roles.flatMap(({ name: role, agency }) =>
    Array.from({ length: ACCOUNTS_PER_ROLE }, (_, index) => {
      const given = random.pick(random.chance(0.5) ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
      return { sub: `${role}-${index + 1}`, name: `${given} ${random.pick(FAMILY_NAMES)}`, agency, role };
    }),
  );
}
