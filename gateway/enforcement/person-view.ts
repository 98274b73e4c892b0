/**
 * A caller's view of people at one moment: the identity index as it stands, one batch loader per agency, the
 * subject facts the ISP's conditions need (cohort membership from the register, the rest from the agencies),
 * and the caller's access under the ISP. Built per request, and again per event for a subscription.
 */
import type { AgencyModule } from '../../adapters/kit/contract.js';
import { type MembershipReads, membershipReads } from '../cohort/membership-reads.js';
import type { CohortRegister } from '../cohort/register.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { type Access, createAccess } from './access.js';
import { type AgencyConnection, createSectionLoaders, type SectionLoaders } from './sections.js';
import { createFactsOf } from './subjects.js';

export interface PersonView {
  index: IdentityIndex;
  sections: SectionLoaders;
  access: Access;
  /** Cohort register rows read for this view: the scope check, the ISP's facts and `Person.iom` share one query. */
  memberships: MembershipReads;
}

export interface ViewSources {
  modules: readonly AgencyModule[];
  connections: readonly AgencyConnection[];
  /** The identity index as it stands now. */
  index: () => IdentityIndex;
  register: Pick<CohortRegister, 'memberships'>;
  now?: () => Date;
}

/**
 * What a view reads from the agencies and the register, cached for as long as it lives. Per request by default;
 * one subscription event shares one set among all its recipients, so the agencies are asked once per event.
 */
export interface ViewLoaders {
  sections: SectionLoaders;
  memberships: MembershipReads;
}

export function viewLoaders(sources: Pick<ViewSources, 'connections' | 'register'>): ViewLoaders {
  return {
    sections: createSectionLoaders(sources.connections),
    memberships: membershipReads(sources.register),
  };
}

export function personView(
  sources: ViewSources,
  standing: Pick<Access, 'policy' | 'principal' | 'declaration'>,
  loaders: ViewLoaders = viewLoaders(sources),
): PersonView {
  const { sections, memberships } = loaders;
  const index = sources.index();
  const activeMember = async (gatewayId: string) => (await memberships.load(gatewayId))?.active === true;
  const activeMemberNow = (gatewayId: string) => {
    const row = memberships.readNow(gatewayId);
    return row === undefined ? undefined : row?.active === true;
  };
  const access = createAccess({
    policy: standing.policy,
    principal: standing.principal,
    declaration: standing.declaration,
    factsOf: createFactsOf(sources.modules, sections, activeMember, index),
    activeMember,
    activeMemberNow,
    now: (sources.now ?? (() => new Date()))(),
  });
  return { index, sections, access, memberships };
}
