/**
 * The ISP applied to the schema, field by field. Every classified field asks the compiled policy before
 * it resolves: allowed → the value, noted in the request's disclosure set; withheld → null and a WITHHELD
 * error naming the data item and the clause or reason. Fields that bring people into the answer keep only
 * the people in the caller's scope, and an agency section appears only where something in it may be shown.
 * Decided by type and directive, never by field name, so new fields are covered without code here.
 */
import { collectSubFields, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  type FieldNode,
  GraphQLError,
  type GraphQLErrorOptions,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  Kind,
  type SelectionNode,
} from 'graphql';
import type { AgencyModule } from '../../adapters/kit/contract.js';
import { gatewayError } from '../errors.js';
import type { LinkedPerson } from '../identity/link.js';
import type { Decision } from '../policy/index.js';
import { type Access, type AccessDecision, assertMayLookUpPeople } from './access.js';
import type { Classification } from './classification.js';
import { type DisclosureSet, responseKeys, type Shown } from './disclosure-set.js';
import { type SectionLoaders, sectionKey } from './sections.js';

export interface EnforcedContext {
  access: Access;
  disclosures: DisclosureSet;
  sections: SectionLoaders;
}

type Resolver = GraphQLFieldResolver<unknown, EnforcedContext>;

/**
 * An agency section object, copied per person, carries the person it describes under this key: a symbol, so neither
 * a field nor the answer's JSON ever shows it (a WeakMap cost more than the rest of a section's resolution).
 */
const SECTION = Symbol('section');

/** The section `source` is, for a field of an agency section's type; undefined for any other source. */
function sectionOf(source: unknown): Shown | undefined {
  return typeof source === 'object' && source !== null ? (source as { [SECTION]?: Shown })[SECTION] : undefined;
}

const CONDITION_TEXT: Record<string, string> = {
  'in-active-cohort': 'the person is in the active IOM cohort',
  'consent-recorded': 'consent to share is recorded',
  'mappa-case': 'the person is managed under MAPPA',
  emergency: 'a break-glass emergency is declared with a justification',
};

function withheldMessage(dataItem: string, decision: Exclude<Decision, { allowed: true }>, access: Access): string {
  const { role } = access.principal;
  const { purpose } = access.declaration;
  const clause = decision.clauseId ? `clause ${decision.clauseId}` : 'the clause';
  if (decision.reason === 'no-clause') return `${dataItem} is withheld: no clause of the ISP shares it with ${role} for ${purpose}.`;
  if (decision.reason === 'clause-expired') return `${dataItem} is withheld: ${clause} has passed its review date and grants nothing until renewed.`;
  if (decision.reason === 'audit-only') return `${dataItem} is withheld: ${role} sees the disclosure ledger, not person data.`;
  const condition = decision.reason.slice('condition-not-met:'.length);
  return `${dataItem} is withheld: ${clause} shares it only when ${CONDITION_TEXT[condition] ?? condition}.`;
}

type Refusal = Exclude<AccessDecision, { allowed: true }>;

type Located = Pick<GraphQLErrorOptions, 'nodes' | 'path'>;

/** Where a field's error belongs, given when it is made: the executor then uses it as it is. */
function locatedAt(info: GraphQLResolveInfo, keys: readonly (string | number)[] = responseKeys(info.path)): Located {
  return { nodes: info.fieldNodes, path: keys };
}

/** Not disclosed: withheld by the ISP, or waiting on an agency that could not be read (never dressed as the ISP's). */
function refusalError(dataItem: string, decision: Refusal, access: Access, located: Located): GraphQLError {
  if ('agency' in decision) {
    return gatewayError(
      'AGENCY_UNAVAILABLE',
      `${dataItem} is not shown: whether the ISP shares it turns on what ${decision.agency} holds about this person, and ${decision.agency} could not be read just now. Try again shortly.`,
      { agency: decision.agency, dataItem, reason: 'condition-unknown' },
      located,
    );
  }
  return withheldError(dataItem, decision, access, located);
}

/** The ledger's reason for an item an agency's failure kept out of the answer. */
const agencyUnavailable = (agency: string) => `agency-unavailable:${agency}` as const;

export function withheldError(dataItem: string, decision: Exclude<Decision, { allowed: true }>, access: Access, located: Located = {}) {
  return gatewayError(
    'WITHHELD',
    withheldMessage(dataItem, decision, access),
    {
      dataItem,
      reason: decision.reason,
      ...(decision.clauseId ? { clause: decision.clauseId } : {}),
    },
    located,
  );
}

function subjectOf(source: unknown, typeName: string): LinkedPerson {
  const subject = typeName === 'Person' ? (source as LinkedPerson) : sectionOf(source)?.subject;
  // A classified field on a type no section produced would be a schema fault; fail closed.
  if (!subject) throw gatewayError('WITHHELD', 'This value cannot be tied to a person, so it is not disclosed.');
  return subject;
}

/** A classified field's value once its decision is reached: recorded, then resolved or refused. */
function concluded(
  resolve: Resolver,
  dataItem: string,
  subject: LinkedPerson,
  decision: AccessDecision,
  ...[source, args, context, info]: Parameters<Resolver>
): unknown {
  const keys = responseKeys(info.path);
  const path = keys.join('.');
  if (!decision.allowed) {
    context.disclosures.withhold({ path, subject, dataItem, reason: decision.reason, clauseId: decision.clauseId });
    throw refusalError(dataItem, decision, context.access, locatedAt(info));
  }
  // A field of a section says, where its value is carried, what the section's presence would have said (see `Shown`).
  context.disclosures.allow({ path, keys, subject, dataItem, clauseId: decision.clauseId, section: sectionOf(source) });
  return resolve(source, args, context, info);
}

/** Classified field: decide, record, and only then resolve; without waiting when the decision is already reached. */
function decided(resolve: Resolver, dataItem: string, typeName: string): Resolver {
  return (source, args, context, info) => {
    const subject = subjectOf(source, typeName);
    const reached = context.access.decided(subject, dataItem);
    if (reached !== undefined) return concluded(resolve, dataItem, subject, reached, source, args, context, info);
    return context.access.decide(subject, dataItem).then((decision) => concluded(resolve, dataItem, subject, decision, source, args, context, info));
  };
}

/**
 * Agency section: shown only where at least one of its data items may be, so that "known to the drug service"
 * is not disclosed by an empty section. Decided before saying whether the agency knows the person at all.
 * A person made ready (see `readiness`) has its section's items decided and the section read already: it concludes at
 * once. Otherwise the section is asked for at once, beside the decisions, and used only if they allow: every person's
 * section of a page then joins one batch per agency, and the agency's answer and the facts arrive together rather than
 * one after the other. Either way a section none of whose items the caller's role and purpose could ever receive is
 * never asked for: a refused caller costs the agency nothing.
 */
function gatedSection(resolve: Resolver, agency: string, dataItems: readonly string[]): Resolver {
  return (source, args, context, info) => {
    const person = source as LinkedPerson;
    // Decided already (the person made ready, see `readiness`): concluded without a wait; the section, read then if the
    // caller could ever receive something of it, is used only if the decisions allow.
    const reached = context.access.decidedAll(person, dataItems);
    if (reached !== undefined) return sectionConcluded(reached, () => resolve(source, args, context, info), agency, person, context, info);
    let worthAsking = false;
    for (const item of dataItems) worthAsking ||= context.access.mayEverReceive(item);
    const fetched = worthAsking ? asked(resolve, source, args, context, info) : undefined;
    // Heard now, so that a refusal below leaves no unheard rejection; used again where it is concluded.
    fetched?.catch(ignore);
    return context.access
      .decideAll(person, dataItems)
      .then((decisions) => sectionConcluded(decisions, () => fetched ?? resolve(source, args, context, info), agency, person, context, info));
  };
}

const ignore = () => undefined;

/** A section once its items are decided: refused as the decisions say, or fetched, recorded as shown and returned. */
function sectionConcluded(
  decisions: readonly AccessDecision[],
  fetch: () => unknown,
  agency: string,
  person: LinkedPerson,
  context: EnforcedContext,
  info: GraphQLResolveInfo,
): unknown {
  const keys = responseKeys(info.path);
  const dataItem = `${agency}.*`;
  let allowing: Extract<AccessDecision, { allowed: true }> | undefined;
  for (const decision of decisions) if (decision.allowed) allowing ??= decision;
  if (!allowing) {
    const path = keys.join('.');
    // If any item turns on an agency that could not be read, the section may yet be shared: say which agency.
    const waiting = decisions.find((d): d is Extract<Refusal, { agency: string }> => !d.allowed && 'agency' in d);
    if (waiting) {
      context.disclosures.withhold({ path, subject: person, dataItem, reason: waiting.reason });
      throw refusalError(dataItem, waiting, context.access, locatedAt(info, keys));
    }
    const first = decisions.find((d): d is Exclude<Decision, { allowed: true }> => !d.allowed);
    const reason = first?.reason ?? 'no-clause';
    context.disclosures.withhold({ path, subject: person, dataItem, reason });
    throw gatewayError(
      'WITHHELD',
      `Nothing from ${agency} is shared with ${context.access.principal.role} for ${context.access.declaration.purpose} about this person.`,
      {
        dataItem,
        reason,
      },
      locatedAt(info, keys),
    );
  }
  const { clauseId } = allowing;
  const unavailable = (error: unknown): never => {
    // The ledger says why the section is missing: the agency, not the ISP.
    if (!(error instanceof GraphQLError) || error.extensions.code !== 'AGENCY_UNAVAILABLE') throw error;
    context.disclosures.withhold({ path: keys.join('.'), subject: person, dataItem, reason: agencyUnavailable(agency) });
    throw gatewayError('AGENCY_UNAVAILABLE', error.message, { ...error.extensions, dataItem }, locatedAt(info, keys));
  };
  const shown = (section: unknown) => {
    if (section === null || typeof section !== 'object') return section;
    const shownSection: Shown = { keys, subject: person, agency, clauseId };
    context.disclosures.show(shownSection);
    return { ...section, [SECTION]: shownSection };
  };
  let section: unknown;
  try {
    section = fetch();
  } catch (error) {
    return unavailable(error);
  }
  return section instanceof Promise ? section.then(shown, unavailable) : shown(section);
}

/** `resolve`'s value as a promise, a throw included (a promise it returns is used as it is, not wrapped in another). */
function asked(resolve: Resolver, ...[source, args, context, info]: Parameters<Resolver>): Promise<unknown> {
  try {
    return Promise.resolve(resolve(source, args, context, info));
  } catch (error) {
    return Promise.reject(error);
  }
}

type Readiness = (people: readonly LinkedPerson[], context: EnforcedContext, info: GraphQLResolveInfo) => Promise<void> | undefined;

/** A field that brings people into the answer keeps only those in the caller's scope, made `ready` if it is given. */
function scoped(resolve: Resolver, personOf: (value: unknown) => LinkedPerson, ready?: Readiness): Resolver {
  return (source, args, context, info) => {
    assertMayLookUpPeople(context.access);
    const value: unknown = resolve(source, args, context, info);
    const kept = value instanceof Promise ? value.then((resolved: unknown) => inScope(resolved, personOf, context)) : inScope(value, personOf, context);
    if (!ready) return kept;
    const readied = (people: unknown) => {
      const waiting = ready(people === null || people === undefined ? [] : Array.isArray(people) ? people : [people], context, info);
      return waiting ? waiting.then(() => people) : people;
    };
    return kept instanceof Promise ? kept.then(readied) : readied(kept);
  };
}

/**
 * `value` with only the people in the caller's scope: at once where their register rows are already read (a listed
 * page's people), otherwise once they are. Either way the answer turns on the register alone.
 */
function inScope(value: unknown, personOf: (value: unknown) => LinkedPerson, context: EnforcedContext): unknown {
  if (value === null || value === undefined) return value;
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const people = items.map(personOf);
  const now = people.map((person) => context.access.visibleNow(person));
  if (now.includes(undefined))
    return Promise.all(people.map((person) => context.access.visible(person))).then((visible) => visibleOnly(value, people, visible, context));
  return visibleOnly(value, people, now as boolean[], context);
}

/** `value` with the people not visible taken out, and the visible ones noted as consulted. */
function visibleOnly(value: unknown, people: readonly LinkedPerson[], visible: readonly boolean[], context: EnforcedContext): unknown {
  people.forEach((person, i) => {
    if (visible[i]) context.disclosures.consult(person);
  });
  if (Array.isArray(value)) return value.filter((_, i) => visible[i]);
  return visible[0] ? value : null;
}

/**
 * Every field: what a marked value discloses (an edge, an event, a page's end cursor) is noted at the path the
 * result really places it, under whatever aliases and fragments the operation used.
 */
function placed(resolve: Resolver, returnsObjects: boolean): Resolver {
  return (source, args, context, info) => {
    context.disclosures.placeField(source, info.fieldName, info.path);
    const value: unknown = resolve(source, args, context, info);
    if (!returnsObjects) return value;
    if (value instanceof Promise) {
      return value.then((resolved: unknown) => {
        context.disclosures.placeValue(resolved, info.path);
        return resolved;
      });
    }
    context.disclosures.placeValue(value, info.path);
    return value;
  };
}

/**
 * A person brought into the answer is made ready before its fields run: every data item its asked fields turn on
 * (its classified fields' and its sections') decided, and the sections it asks that its decisions let be shown read.
 * Its fields and sections then conclude at once: one wait per person, not one per field and section. A page's people
 * ask each agency together, as gatedSection would. Nothing is decided or read for fields that turn on nothing (`id`).
 */
function readiness(classification: Classification, sections: ReadonlyMap<string, readonly string[]>) {
  const itemsOf = new Map<string, readonly string[]>(sections);
  for (const [coordinate, dataItem] of classification.items) {
    const [type, field] = coordinate.split('.') as [string, string];
    if (type === 'Person') itemsOf.set(field, [dataItem]);
  }
  type Asked = { items: readonly string[]; agencies: readonly string[] };
  // Worked out once per document's field where no variable decides which of the person's fields are asked (yoga's
  // parse cache hands every request of a document the same nodes); otherwise once per request's fields collected
  // (collectSubFields keeps them per request's variables), so a page's people are worked out once.
  const byNodes = new WeakMap<readonly FieldNode[], Asked>();
  const byFields = new WeakMap<object, Asked>();
  const askedOf = (info: GraphQLResolveInfo): Asked => {
    const kept = byNodes.get(info.fieldNodes);
    if (kept) return kept;
    const person = info.schema.getType('Person') as GraphQLObjectType;
    const { fields } = collectSubFields(info.schema, info.fragments, info.variableValues, person, info.fieldNodes as FieldNode[]);
    let found = byFields.get(fields);
    if (found === undefined) {
      const names = [...fields.values()].flatMap(([node]) => (node ? [node.name.value] : []));
      found = { items: [...new Set(names.flatMap((name) => itemsOf.get(name) ?? []))], agencies: [...new Set(names.filter((name) => sections.has(name)))] };
      byFields.set(fields, found);
      if (!variablesDecide(info.fieldNodes, info.fragments)) byNodes.set(info.fieldNodes, found);
    }
    return found;
  };
  return (people: readonly LinkedPerson[], context: EnforcedContext, info: GraphQLResolveInfo): Promise<void> | undefined => {
    const { items, agencies } = askedOf(info);
    if (items.length === 0 || people.length === 0) return undefined;
    // As gatedSection asks: only sections something of which the caller could ever receive, all asked at once so that
    // a page's people ask each agency together.
    const worthAsking = agencies.filter((agency) => (sections.get(agency) ?? []).some((item) => context.access.mayEverReceive(item)));
    const ready = people.map((person) => {
      const reading = new Map<string, Promise<unknown>>();
      for (const agency of worthAsking) {
        const key = sectionKey(person, agency);
        const reads = context.sections.get(agency);
        if (key === undefined || !reads) continue;
        const load = reads.load(key);
        // Heard now: a section the decisions refuse is not waited for, and its failure is no one's to report.
        load.catch(ignore);
        reading.set(agency, load);
      }
      // Waits only for the sections the person's decisions let be shown: a slow agency holds up no one it is refused for.
      return context.access.decideAll(person, items).then(() => {
        const shown = [...reading].filter(([agency]) => (sections.get(agency) ?? []).some((item) => context.access.decided(person, item)?.allowed));
        return Promise.allSettled(shown.map(([, load]) => load));
      });
    });
    // A failure is left for its field to report: readiness only spares the fields a wait.
    return Promise.allSettled(ready).then(ignore);
  };
}

/** Whether a variable (in @skip or @include) decides which fields these nodes' selections ask, fragments included. */
function variablesDecide(nodes: readonly FieldNode[], fragments: GraphQLResolveInfo['fragments']): boolean {
  const seen = new Set<string>();
  const decides = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.directives?.some((directive) => directive.arguments?.some((argument) => argument.value.kind === Kind.VARIABLE))) return true;
      if (selection.kind === Kind.INLINE_FRAGMENT) return decides(selection.selectionSet.selections);
      if (selection.kind !== Kind.FRAGMENT_SPREAD || seen.has(selection.name.value)) return false;
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      return fragment !== undefined && decides(fragment.selectionSet.selections);
    });
  return nodes.some((node) => node.selectionSet !== undefined && decides(node.selectionSet.selections));
}

export function enforcePolicy(schema: GraphQLSchema, classification: Classification, modules: readonly AgencyModule[]): GraphQLSchema {
  const sections = new Map(modules.map((m) => [m.agency, Object.keys(m.dataItems)]));
  const ready = readiness(classification, sections);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      let resolve = (config.resolve ?? defaultFieldResolver) as Resolver;
      const returns = getNamedType(config.type).name;
      // Matches are filtered where the list is produced; their `person` is then always in scope.
      if (typeName !== 'PersonMatch' && returns === 'Person') resolve = scoped(resolve, (p) => p as LinkedPerson, ready);
      if (returns === 'PersonMatch') resolve = scoped(resolve, (m) => (m as { person: LinkedPerson }).person);
      const agencyItems = typeName === 'Person' ? sections.get(fieldName) : undefined;
      if (agencyItems) resolve = gatedSection(resolve, fieldName, agencyItems);
      const dataItem = classification.items.get(`${typeName}.${fieldName}`);
      if (dataItem) resolve = decided(resolve, dataItem, typeName);
      // A section's value is a copy made above, which no resolver can have marked: not looked at again.
      const returnsObjects = !agencyItems && isCompositeType(getNamedType(config.type));
      return { ...config, resolve: placed(resolve, returnsObjects) };
    },
  });
}
