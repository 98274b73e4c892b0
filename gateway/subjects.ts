/**
 * The facts about a person that the ISP's conditions test (active cohort, consent recorded, MAPPA case),
 * gathered from the cohort register and the agencies that hold them through the request's own section loaders, so asking costs
 * no more upstream calls than the query itself. A fact an agency cannot give counts as not met.
 */
import type DataLoader from 'dataloader';
import type { AgencyModule, SubjectFacts } from '../adapters/kit/contract.js';
import type { LinkedPerson } from './identity/link.js';
import type { SectionLoaders } from './sections.js';

export type { SubjectFacts };

export type FactsOf = (person: LinkedPerson) => Promise<SubjectFacts>;

/**
 * `cohortMembers` answers active IOM cohort membership from the cohort register, the partnership's own record
 * of it; the agencies answer the rest.
 */
export function createFactsOf(
  modules: readonly AgencyModule[],
  sections: SectionLoaders,
  cohortMembers: DataLoader<string, boolean>,
): FactsOf {
  const sources = modules.filter((module) => module.subjectFacts !== undefined);
  const known = new Map<LinkedPerson, Promise<SubjectFacts>>();

  const gather = async (person: LinkedPerson): Promise<SubjectFacts> => {
    const facts: SubjectFacts = { inActiveCohort: await cohortMembers.load(person.id), consentRecorded: false, mappaCase: false };
    const parts = await Promise.all(
      sources.map(async (module) => {
        const key = person.keys.get(module.agency)?.[0];
        const loader = sections.get(module.agency);
        if (key === undefined || !loader) return {};
        const section = await loader.load(key).catch(() => null);
        return section === null ? {} : (module.subjectFacts?.(section) ?? {});
      }),
    );
    for (const part of parts) {
      for (const name of ['consentRecorded', 'mappaCase'] as const) facts[name] ||= part[name] === true;
    }
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
