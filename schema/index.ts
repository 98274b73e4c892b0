/** The unified schema's core: `Person`, identifiers, matching, and the data items it carries itself. */
import { readFileSync } from 'node:fs';

export const coreTypeDefs = readFileSync(new URL('./person.graphql', import.meta.url), 'utf8');

export const coreDataItems: Readonly<Record<string, string>> = {
  'identity.name': 'Name, and each agency’s spelling of it',
  'identity.dateOfBirth': 'Date of birth',
  'identity.identifiers': 'PNC ID, CRO number, prison number, CRN, agencies’ local references, and conflicts between them',
  'identity.probableMatches': 'Other people with the same name and date of birth (probable, unconfirmed)',
};

/** The explain query: what a caller may receive about a person, item by item, without values. */
export const accessTypeDefs = readFileSync(new URL('./access.graphql', import.meta.url), 'utf8');
