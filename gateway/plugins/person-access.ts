/**
 * Builds each request's view of people: the identity index as it stands, one batch loader per agency,
 * the subject facts the ISP's conditions need, the caller's access under the ISP, and the disclosure set
 * that enforcement fills in. Runs after authentication and the purpose check.
 */
import DataLoader from 'dataloader';
import type { Plugin } from 'graphql-yoga';
import type { AgencyModule } from '../../adapters/kit/contract.js';
import { type Access, createAccess } from '../access.js';
import type { CohortRegister } from '../cohort/register.js';
import { DisclosureSet } from '../disclosure-set.js';
import type { IdentityDirectory } from '../identity/directory.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { CompiledPolicy } from '../policy/index.js';
import { type AgencyConnection, createSectionLoaders, type SectionLoaders } from '../sections.js';
import { createFactsOf } from '../subjects.js';
import { requestIdOf } from './disclosure-recording.js';
import type { DeclaredContext } from './purpose.js';

export interface PersonAccessContext extends DeclaredContext {
  index: IdentityIndex;
  sections: SectionLoaders;
  access: Access;
  disclosures: DisclosureSet;
  requestId: string;
}

export function usePersonAccess(options: {
  policy: CompiledPolicy;
  modules: readonly AgencyModule[];
  connections: readonly AgencyConnection[];
  directory: IdentityDirectory;
  register: CohortRegister;
  now?: () => Date;
}): Plugin<PersonAccessContext> {
  const now = options.now ?? (() => new Date());
  return {
    onContextBuilding({ context, extendContext }) {
      const sections = createSectionLoaders(options.connections);
      const cohortMembers = new DataLoader<string, boolean>(async (ids) => {
        const memberships = await options.register.memberships(ids);
        return ids.map((id) => memberships.get(id)?.active === true);
      });
      const access = createAccess({
        policy: options.policy,
        principal: context.principal,
        declaration: context.declaration,
        factsOf: createFactsOf(options.modules, sections, cohortMembers),
        now: now(),
      });
      extendContext({
        index: options.directory.current(),
        sections,
        access,
        disclosures: new DisclosureSet(),
        requestId: requestIdOf(context.request),
      });
    },
  };
}
