/** The agencies of the partnership. Adding one is a folder beside these and one line here. */

import drugs from './drugs/index.js';
import housing from './housing/index.js';
import type { AgencyModule } from './kit/contract.js';
import police from './police/index.js';
import prison from './prison/index.js';
import probation from './probation/index.js';
import youth from './youth/index.js';

export const agencies: readonly AgencyModule[] = [police, probation, prison, housing, drugs, youth];

/** The agencies' names, in the registry's order (simulator ports follow it: the first at SIMULATOR_BASE_PORT). */
export const agencyNames: readonly string[] = agencies.map((module) => module.agency);

/** The partnership's own unit: a party to the ISP whose staff hold roles (the IOM coordinator), with no system of its own. */
export const PARTNERSHIP_UNIT = 'iom';

/** Everyone who may be a party to the ISP, and so the agency a role and a token may name. */
export const partyAgencies: readonly [string, ...string[]] = [PARTNERSHIP_UNIT, ...agencyNames];
