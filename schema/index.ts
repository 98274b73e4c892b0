/**
 * The unified schema's own SDL: every `schema/*.graphql` (person, identifiers and matching, access explanation,
 * cohort, audit, events), and the data items these fields carry. Agency sections come from the adapters.
 */
import { readdirSync, readFileSync } from 'node:fs';

const here = new URL('./', import.meta.url);

/** person.graphql first: it declares the directive, scalars and the types the others extend. */
export const coreTypeDefs: readonly string[] = readdirSync(here)
  .filter((name) => name.endsWith('.graphql'))
  .sort((a, b) => (a === 'person.graphql' ? -1 : b === 'person.graphql' ? 1 : a.localeCompare(b)))
  .map((name) => readFileSync(new URL(name, here), 'utf8'));

export const coreDataItems: Readonly<Record<string, string>> = {
  'identity.name': 'Name, and each agency’s spelling of it',
  'identity.dateOfBirth': 'Date of birth',
  'identity.identifiers': 'PNC ID, CRO number, prison number, CRN, agencies’ local references, and conflicts between them',
  'identity.probableMatches': 'Other people with the same name and date of birth (probable, unconfirmed)',
  'iom.membership': 'IOM cohort membership: strand, service level, lead professional, selection and de-selection with reasons, history',
  'iom.pathways': 'Needs and interventions across the seven reducing-reoffending pathways, each from an agency data item the recipient may receive',
};
