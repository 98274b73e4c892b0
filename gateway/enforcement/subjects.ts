/**
 * The facts about a person that the ISP's conditions test (active cohort, consent recorded, MAPPA case),
 * gathered from the cohort register and the agencies that hold them through the request's own section loaders, so
 * asking costs no more upstream calls than the query itself. A fact an agency could not give (down, slow,
 * malformed, or its identity feed never loaded) is `unreadable`, naming the agency: unknown, not "not met".
 */
import { AGENCY_FACTS, type AgencyFact, type AgencyModule, type SubjectFacts } from '../../adapters/kit/contract.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import { type SectionLoaders, sectionKey } from './sections.js';

export type { SubjectFacts };

export interface GatheredFacts extends SubjectFacts {
  /** Facts left false because the agency that gives them could not be read, each with that agency. */
  unreadable?: Partial<Record<AgencyFact, string>>;
}

export type FactsOf = (person: LinkedPerson) => Promise<GatheredFacts>;

/** What one agency says, or that it could not be read. */
type Part = Partial<SubjectFacts> | 'unreadable';

/**
 * `activeMember` answers active IOM cohort membership from the cohort register, the partnership's own record
 * of it; the agencies answer the rest.
 */
export function createFactsOf(
  modules: readonly AgencyModule[],
  sections: SectionLoaders,
  activeMember: (gatewayId: string) => Promise<boolean>,
  index: IdentityIndex,
): FactsOf {
  const sources = modules.filter((module) => module.subjectFacts !== undefined);
  const known = new Map<LinkedPerson, Promise<GatheredFacts>>();

  /** What one agency's section says about the person: asked through the loader the section's field shares. */
  const partOf = (module: AgencyModule, person: LinkedPerson): Part | Promise<Part> => {
    const loader = sections.get(module.agency);
    if (!loader) return {};
    const key = sectionKey(person, module.agency);
    // Not linked to this agency: it holds nothing on them, unless its feed never loaded and nobody can tell.
    if (key === undefined) return index.knowsHoldingsOf(module.agency) ? {} : 'unreadable';
    return loader.load(key).then(
      (section) => (section === null ? {} : (module.subjectFacts?.(section) ?? {})),
      () => 'unreadable' as const,
    );
  };

  // One wait for the register and every agency together: a page gathers this for each of its people.
  const gather = async (person: LinkedPerson): Promise<GatheredFacts> => {
    // The agencies' parts first: one that throws at once then leaves no read of the register unheard.
    const asked = sources.map((module) => partOf(module, person));
    const [inActiveCohort, ...parts] = await Promise.all([activeMember(person.id), ...asked]);
    const unreadable: Partial<Record<AgencyFact, string>> = {};
    const facts: GatheredFacts = { inActiveCohort, consentRecorded: false, mappaCase: false, unreadable };
    parts.forEach((part, i) => {
      const module = sources[i] as AgencyModule;
      if (part === 'unreadable') {
        for (const name of module.subjectFactNames ?? AGENCY_FACTS) unreadable[name] ??= module.agency;
        return;
      }
      for (const name of AGENCY_FACTS) facts[name] ||= part[name] === true;
    });
    // A fact another agency gave as true is known, whoever else could not be read.
    for (const name of AGENCY_FACTS) if (facts[name]) delete unreadable[name];
    return facts;
  };

  return (person) => {
    let facts = known.get(person);
    if (!facts) {
      facts = gather(person);
      known.set(person, facts);
    }
    return facts;
  };
}
