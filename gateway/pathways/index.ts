/**
 * `Person.pathways`: needs and interventions across the seven pathways, gathered from the agencies' sections
 * through the request's own batch loaders. An entry appears only where the ISP shares its source data item with
 * the caller, so the list never carries what the item's own field would withhold, and an entry left out leaves no
 * trace; an agency none of whose sources may be shown is not even asked. Each entry shown is marked in the
 * disclosure set with its source item and clause, so the ledger says what the list really disclosed, where.
 */
import type { Access, DisclosureSet, SectionLoaders } from '../enforcement/index.js';
import type { LinkedPerson } from '../identity/link.js';
import type { Decision } from '../policy/index.js';
import type { SchemaExtension } from '../schema.js';
import { byPathway, PATHWAY_SOURCES, type PathwayEntry, type PathwaySource } from './sources.js';

interface PathwaysContext {
  access: Access;
  sections: SectionLoaders;
  disclosures: DisclosureSet;
}

type Granted = { source: PathwaySource; decision: Extract<Decision, { allowed: true }> };

async function sectionOf(person: LinkedPerson, agency: string, sections: SectionLoaders): Promise<unknown> {
  const key = person.keys.get(agency)?.[0];
  const loader = sections.get(agency);
  // A failing agency rejects here with its AGENCY_UNAVAILABLE error: a list missing an agency would read as "no need".
  return key === undefined || !loader ? null : loader.load(key);
}

async function pathwaysOf(person: LinkedPerson, context: PathwaysContext): Promise<PathwayEntry[]> {
  const { access, sections, disclosures } = context;
  const decided = await Promise.all(PATHWAY_SOURCES.map(async (source) => ({ source, decision: await access.decide(person, source.dataItem) })));
  const granted = decided.filter((d): d is Granted => d.decision.allowed);
  const agencies = [...new Set(granted.map(({ source }) => source.agency))];
  const fetched = new Map(await Promise.all(agencies.map(async (agency) => [agency, await sectionOf(person, agency, sections)] as const)));

  const entries = granted
    .flatMap(({ source, decision }) => {
      const section = fetched.get(source.agency);
      return section === null || section === undefined ? [] : source.entries(section).map((entry) => ({ entry, clauseId: decision.clauseId }));
    })
    .sort((a, b) => byPathway(a.entry, b.entry));
  // Each entry is a fresh object, marked so that it is recorded wherever the result places it.
  return entries.map(({ entry, clauseId }) => {
    const shown = { ...entry };
    disclosures.mark(shown, [{ subject: person, dataItem: entry.dataItem, clauseId }]);
    return shown;
  });
}

export function pathwaysExtension(): SchemaExtension {
  return {
    resolvers: {
      Person: {
        pathways: (person: LinkedPerson, _args: unknown, context: PathwaysContext) => pathwaysOf(person, context),
      },
    },
  };
}
