/**
 * Builds each request's view of people (gateway/enforcement/person-view.ts) and the disclosure set that enforcement fills
 * in. Runs after authentication and the purpose check.
 */
import type { Plugin } from 'graphql-yoga';
import type { AgencyModule } from '../../adapters/kit/contract.js';
import type { CohortRegister } from '../cohort/register.js';
import type { Access, AgencyConnection, SectionLoaders } from '../enforcement/index.js';
import { DisclosureSet, personView } from '../enforcement/index.js';
import type { IdentityDirectory } from '../identity/directory.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { CompiledPolicy } from '../policy/index.js';
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
  return {
    onContextBuilding({ context, extendContext }) {
      const view = personView(
        { modules: options.modules, connections: options.connections, index: () => options.directory.current(), register: options.register, now: options.now },
        { policy: options.policy, principal: context.principal, declaration: context.declaration },
      );
      extendContext({ ...view, disclosures: new DisclosureSet(), requestId: requestIdOf(context.request) });
    },
  };
}
