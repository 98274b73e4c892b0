// biome-ignore-all assist/source/organizeImports: the surface is listed in the order a request meets it
/**
 * The ISP enforced per request: the policy core everything else rests on. `policy/` holds the ISP as written
 * and compiled; this folder applies it. In the order a request meets it:
 *
 * - classification: which data item each field of the schema carries (read once, from `@dataItem`);
 * - person-view, sections, subjects: the caller's view of people, the agencies' sections through one batch
 *   loader each, and the facts the ISP's conditions test;
 * - access: the caller's standing under the ISP, deciding per person and data item;
 * - enforce-policy: every classified field asks access before it resolves, and people out of scope are null;
 * - disclosure-set: what the final result carries, allowed and withheld, per person and path;
 * - record-envelope: how the ledger record of it begins and names the people it is about.
 *
 * Import from here; the files import each other directly.
 */
export { classifySchema, type Classification } from './classification.js';
export { personView, viewLoaders, type PersonView, type ViewLoaders, type ViewSources } from './person-view.js';
export type { AgencyConnection, SectionLoaders } from './sections.js';
export { sectionKey } from './sections.js';
export { assertMayLookUpPeople, createAccess, type Access, type Declaration } from './access.js';
export { enforcePolicy } from './enforce-policy.js';
export { DisclosureSet, responsePath, type Disclosing } from './disclosure-set.js';
export { recordEnvelope, recordedIdentifiers, type RecordedIdentifiers } from './record-envelope.js';
