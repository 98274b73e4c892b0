/** The agencies of the partnership. Adding one is a folder beside these and one line here. */

import drugs from './drugs/index.js';
import housing from './housing/index.js';
import type { AgencyModule } from './kit/contract.js';
import police from './police/index.js';
import prison from './prison/index.js';
import probation from './probation/index.js';

export const agencies: readonly AgencyModule[] = [police, probation, prison, housing, drugs];
