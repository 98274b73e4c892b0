/**
 * A subscription outlives the request that opened it, and so would the request's view of people: the identity
 * index of that moment, agency records cached in its loaders, subject facts (cohort membership, consent) and
 * policy decisions memoised at that instant. Each event is therefore judged through a view renewed for it, built
 * as the person-access plugin builds a request's, for the same caller and declared purpose.
 */
import DataLoader from 'dataloader';
import type { AgencyModule } from '../../adapters/kit/contract.js';
import { type Access, createAccess } from '../access.js';
import type { CohortRegister } from '../cohort/register.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { type AgencyConnection, createSectionLoaders, type SectionLoaders } from '../sections.js';
import { createFactsOf } from '../subjects.js';

export interface PersonView {
  index: IdentityIndex;
  sections: SectionLoaders;
  access: Access;
}

export interface ViewSources {
  modules: readonly AgencyModule[];
  connections: readonly AgencyConnection[];
  /** The identity index as it stands now. */
  index: () => IdentityIndex;
  register: Pick<CohortRegister, 'memberships'>;
  now?: () => Date;
}

export type RenewView = (access: Access) => PersonView;

export function viewRenewal(sources: ViewSources): RenewView {
  const now = sources.now ?? (() => new Date());
  return (previous) => {
    const sections = createSectionLoaders(sources.connections);
    const cohortMembers = new DataLoader<string, boolean>(async (ids) => {
      const memberships = await sources.register.memberships(ids);
      return ids.map((id) => memberships.get(id)?.active === true);
    });
    const access = createAccess({
      policy: previous.policy,
      principal: previous.principal,
      declaration: previous.declaration,
      factsOf: createFactsOf(sources.modules, sections, cohortMembers),
      now: now(),
    });
    return { index: sources.index(), sections, access };
  };
}
