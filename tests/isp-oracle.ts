/**
 * An oracle for the ISP end-to-end suites, deliberately independent of gateway/policy: it reads the raw ISP
 * YAML itself, takes a person's facts from the synthetic population rather than from the agencies, and
 * decides clause by clause (role ∈ roles, purpose ∈ purposes, item ∈ dataItems, review date not passed, every
 * condition met). Also: the classified fields of Person as the served schema declares them, a query that asks
 * for every one of them, and whether the population holds a value for each.
 */
import { readFileSync } from 'node:fs';
import { type GraphQLSchema, getNamedType, isObjectType } from 'graphql';
import { parse } from 'yaml';
import { z } from 'zod';
import type { AgencyModule } from '../adapters/kit/contract.js';
import { defaultPopulation } from '../adapters/population/generate.js';
import type { PopulationFrame } from '../adapters/population/slice.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { agencies, agencyNames } from '../adapters/registry.js';
import { classifySchema } from '../gateway/enforcement/index.js';

export const ISP_FILE = 'policies/iom-partnership.yaml';

const rawIspSchema = z.object({
  purposes: z.array(
    z.object({
      code: z.string(),
      requiresJustification: z.boolean(),
      emergency: z.object({ maxMinutes: z.number().int().positive(), maxWindowsPerDay: z.number().int().positive().optional() }).optional(),
    }),
  ),
  roles: z.array(
    z.object({
      name: z.string(),
      agency: z.string(),
      purposes: z.array(z.string()),
      subjectScope: z.enum(['active-cohort', 'all-linked']),
      auditOnly: z.boolean().optional(),
    }),
  ),
  clauses: z.array(
    z.object({
      id: z.string(),
      roles: z.array(z.string()),
      purposes: z.array(z.string()),
      dataItems: z.array(z.string()),
      conditions: z.array(z.enum(['in-active-cohort', 'consent-recorded', 'mappa-case', 'emergency'])).optional(),
      reviewDate: z.string(),
    }),
  ),
});
export type RawIsp = z.infer<typeof rawIspSchema>;
type RawClause = RawIsp['clauses'][number];
type Condition = NonNullable<RawClause['conditions']>[number];

/** What the ISP's conditions test, read straight from the population. */
export interface PersonFacts {
  inActiveCohort: boolean;
  consentRecorded: boolean;
  mappaCase: boolean;
}

export function factsOf(person: SyntheticPerson): PersonFacts {
  const consent = person.drugs?.consent;
  return {
    // The cohort register starts from the population's selected members.
    inActiveCohort: person.cohort !== null,
    consentRecorded: consent?.recorded === true && consent.scope === 'iom-partners',
    mappaCase: (person.probation?.mappa ?? null) !== null,
  };
}

/** Who asks and why; `emergency` is a break-glass declared with its justification, within its window. */
export interface Asking {
  role: string;
  purpose: string;
  emergency: boolean;
}

/** A refusal the gateway may give: the reason and, where one applies, the clause. */
export interface Refusal {
  reason: string;
  clause?: string;
}

export type OracleDecision = { allowed: true; clauses: string[] } | { allowed: false; refusals: Refusal[] };

/** The calendar date in England, where the partnership signs its review dates. */
function englishDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export class IspOracle {
  readonly isp: RawIsp;

  constructor(file = ISP_FILE) {
    this.isp = rawIspSchema.parse(parse(readFileSync(file, 'utf8')));
  }

  get roles(): string[] {
    return this.isp.roles.map((role) => role.name);
  }

  get purposes(): string[] {
    return this.isp.purposes.map((purpose) => purpose.code);
  }

  private role(name: string) {
    const role = this.isp.roles.find((r) => r.name === name);
    if (!role) throw new Error(`the ISP has no role ${name}`);
    return role;
  }

  private purpose(code: string) {
    const purpose = this.isp.purposes.find((p) => p.code === code);
    if (!purpose) throw new Error(`the ISP has no purpose ${code}`);
    return purpose;
  }

  agencyOf(role: string): string {
    return this.role(role).agency;
  }

  permittedPurposes(role: string): string[] {
    return this.role(role).purposes;
  }

  permits(role: string, purpose: string): boolean {
    return this.role(role).purposes.includes(purpose);
  }

  auditOnly(role: string): boolean {
    return this.role(role).auditOnly === true;
  }

  /**
   * Whether the role gets no person data at all for this purpose, whatever the person: audit-only, or no clause
   * names the pair (a performance report). The gateway then refuses person look-ups outright (FORBIDDEN).
   */
  noPersonData(role: string, purpose: string): boolean {
    return this.auditOnly(role) || !this.isp.clauses.some((clause) => clause.roles.includes(role) && clause.purposes.includes(purpose));
  }

  requiresJustification(purpose: string): boolean {
    return this.purpose(purpose).requiresJustification;
  }

  isEmergency(purpose: string): boolean {
    return this.purpose(purpose).emergency !== undefined;
  }

  maxMinutes(purpose: string): number {
    const minutes = this.purpose(purpose).emergency?.maxMinutes;
    if (minutes === undefined) throw new Error(`${purpose} is not an emergency purpose`);
    return minutes;
  }

  maxWindowsPerDay(purpose: string): number {
    const windows = this.purpose(purpose).emergency?.maxWindowsPerDay;
    if (windows === undefined) throw new Error(`${purpose} is not an emergency purpose`);
    return windows;
  }

  /** Whether the person exists at all for the caller: active-cohort roles see only the cohort, except in an emergency. */
  visible(asking: Asking, facts: PersonFacts): boolean {
    const role = this.role(asking.role);
    if (role.auditOnly === true || !role.purposes.includes(asking.purpose)) return false;
    return role.subjectScope === 'all-linked' || this.isEmergency(asking.purpose) || facts.inActiveCohort;
  }

  /**
   * A recorded item's decision: as `decide`, but a section shown with nothing of it (`<section>.*`, ADR 0173) is allowed
   * under any clause that allows one of its items.
   */
  decideRecorded(asking: Asking, dataItem: string, facts: PersonFacts, now: Date, catalogue: PersonCatalogue): OracleDecision {
    const section = dataItem.endsWith('.*') ? catalogue.sections.get(dataItem.slice(0, -2)) : undefined;
    if (!section) return this.decide(asking, dataItem, facts, now);
    const clauses = section.flatMap((field) => {
      const decision = this.decide(asking, field.dataItem, facts, now);
      return decision.allowed ? decision.clauses : [];
    });
    return clauses.length > 0 ? { allowed: true, clauses } : { allowed: false, refusals: [{ reason: 'no-clause' }] };
  }

  decide(asking: Asking, dataItem: string, facts: PersonFacts, now: Date): OracleDecision {
    if (this.auditOnly(asking.role)) return { allowed: false, refusals: [{ reason: 'audit-only' }] };
    const candidates = this.isp.clauses.filter(
      (clause) => clause.roles.includes(asking.role) && clause.purposes.includes(asking.purpose) && clause.dataItems.includes(dataItem),
    );
    if (candidates.length === 0) return { allowed: false, refusals: [{ reason: 'no-clause' }] };
    const today = englishDate(now);
    const live = candidates.filter((clause) => clause.reviewDate >= today);
    const met = (condition: Condition): boolean => {
      switch (condition) {
        case 'in-active-cohort':
          return facts.inActiveCohort;
        case 'consent-recorded':
          return facts.consentRecorded;
        case 'mappa-case':
          return facts.mappaCase;
        case 'emergency':
          return asking.emergency && this.isEmergency(asking.purpose);
      }
    };
    // Scope: a person the caller may not see at all gets nothing, whatever the clause says.
    const inScope = this.visible(asking, facts);
    const allowing = live.filter((clause) => inScope && (clause.conditions ?? []).every(met));
    if (allowing.length > 0) return { allowed: true, clauses: allowing.map((clause) => clause.id) };
    if (live.length === 0) return { allowed: false, refusals: candidates.map((clause) => ({ reason: 'clause-expired', clause: clause.id })) };
    const refusals = live.flatMap((clause) => {
      const failing = (clause.conditions ?? []).filter((condition) => !met(condition));
      if (!inScope) failing.push('in-active-cohort');
      return failing.map((condition) => ({ reason: `condition-not-met:${condition}`, clause: clause.id }));
    });
    return { allowed: false, refusals };
  }
}

/** One classified field of Person as the gateway serves it: where it sits and which data item it is. */
export interface ClassifiedField {
  /** `Type.field`. */
  coordinate: string;
  field: string;
  dataItem: string;
  /** The agency section it sits in; undefined for the core identity fields on Person. */
  section?: string;
}

export interface PersonCatalogue {
  /** Person's own classified fields. */
  identity: ClassifiedField[];
  /** Agency section → its classified fields. */
  sections: Map<string, ClassifiedField[]>;
  /** Every data item the schema classifies a field by. */
  dataItems: Set<string>;
  /** A selection set (without braces) asking for all of `typeName`: nested people are asked only their id. */
  selectionOf(typeName: string): string;
}

export function personCatalogue(schema: GraphQLSchema): PersonCatalogue {
  const { items, dataItems } = classifySchema(schema);
  const person = schema.getType('Person');
  if (!isObjectType(person)) throw new Error('the schema has no Person type');

  const classifiedFieldsOf = (typeName: string, section?: string): ClassifiedField[] => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
    return Object.keys(type.getFields()).flatMap((field) => {
      const dataItem = items.get(`${typeName}.${field}`);
      return dataItem ? [{ coordinate: `${typeName}.${field}`, field, dataItem, ...(section ? { section } : {}) }] : [];
    });
  };

  const sections = new Map<string, ClassifiedField[]>();
  for (const field of Object.values(person.getFields())) {
    if (items.has(`Person.${field.name}`) || field.name === 'id') continue;
    sections.set(field.name, classifiedFieldsOf(getNamedType(field.type).name, field.name));
  }

  const selectionOf = (typeName: string): string => {
    if (typeName === 'Person') return 'id';
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`${typeName} has no fields to select`);
    return Object.values(type.getFields())
      .map((field) => {
        const named = getNamedType(field.type);
        return isObjectType(named) ? `${field.name} { ${selectionOf(named.name)} }` : field.name;
      })
      .join(' ');
  };

  return { identity: classifiedFieldsOf('Person'), sections, dataItems: new Set(dataItems), selectionOf };
}

/** The whole classified Person as one selection set, with the identity fields and every section in full. */
export function everyClassifiedField(catalogue: PersonCatalogue, schema: GraphQLSchema): string {
  const person = schema.getType('Person');
  if (!isObjectType(person)) throw new Error('the schema has no Person type');
  const fields = person.getFields();
  const select = (name: string) => {
    const field = fields[name];
    if (!field) throw new Error(`Person has no field ${name}`);
    const named = getNamedType(field.type);
    return isObjectType(named) ? `${name} { ${catalogue.selectionOf(named.name)} }` : name;
  };
  return ['id', ...catalogue.identity.map((f) => select(f.field)), ...[...catalogue.sections.keys()].map(select)].join('\n');
}

/** The identity fields schema/person.graphql declares, which the population always fills for a person found. */
const IDENTITY_FIELDS = new Set(['name', 'dateOfBirth', 'identifiers', 'recordedNames', 'identifierConflicts', 'probableMatches']);

/** Fields of the agency sections that may be null in the agency's own record; every other section field is always there. */
const MAY_BE_EMPTY: Record<string, (person: SyntheticPerson) => boolean> = {
  'PoliceRecord.offenderManager': (p) => (p.police?.offenderManager ?? null) !== null,
  'ProbationRecord.sentence': (p) => (p.probation?.sentence ?? null) !== null,
  'ProbationRecord.mappa': (p) => (p.probation?.mappa ?? null) !== null,
  'PrisonRecord.establishment': (p) => (p.prison?.establishment ?? null) !== null,
  'PrisonRecord.receptionDate': (p) => (p.prison?.receptionDate ?? null) !== null,
  'PrisonRecord.offenderManager': (p) => (p.prison?.prisonOffenderManager ?? null) !== null,
  'HousingRecord.address': (p) => (p.housing?.address ?? null) !== null,
  'DrugServiceRecord.treatmentModality': (p) => (p.drugs?.treatment.modality ?? null) !== null,
  'DrugServiceRecord.keyworker': (p) => (p.drugs?.treatment.keyworker ?? null) !== null,
};

/**
 * What an agency of the registry holds about a person of the population (its slice), null where it does not know
 * them. The suites' systems serve the default population.
 */
export function factsHeldBy(person: SyntheticPerson, agency: string, population: PopulationFrame = defaultPopulation()): unknown {
  const module = agencies.find((candidate) => candidate.agency === agency);
  return module === undefined ? null : module.population.factsFor(person, population);
}

/** The agencies that know a person of the default population. */
export const agenciesKnowing = (person: SyntheticPerson): AgencyModule[] => agencies.filter((module) => factsHeldBy(person, module.agency) !== null);

/**
 * Whether the population holds a value for a classified field of a person found; undefined for a field the
 * population does not describe (one added to Person by a later feature), which the suites then check more loosely.
 */
export function holdsValue(person: SyntheticPerson, field: ClassifiedField): boolean | undefined {
  if (field.section === undefined) return IDENTITY_FIELDS.has(field.field) ? true : undefined;
  if (!agencyNames.includes(field.section)) return undefined;
  return factsHeldBy(person, field.section) !== null && (MAY_BE_EMPTY[field.coordinate]?.(person) ?? true);
}

/**
 * Whether the agencies' records of the person link into one: no agency recorded a wrong identifier, and every
 * record shares an identifier with the others (agencies record only some, and some records lack even those).
 */
export function linksWhole(person: SyntheticPerson): boolean {
  if (person.conflicting !== undefined) return false;
  const held = agenciesKnowing(person).map((module) => {
    const facts = module.population.factsFor(person, defaultPopulation());
    const identifiers = facts === null ? {} : module.population.identifiersOf(person, facts);
    return new Set(Object.entries(identifiers).map(([kind, value]) => `${kind}:${value}`));
  });
  const [first, ...rest] = held;
  if (!first) return false;
  const linked = new Set(first);
  let pending = rest;
  for (let grown = true; grown; ) {
    const joining = pending.filter((ids) => [...ids].some((id) => linked.has(id)));
    grown = joining.length > 0;
    for (const ids of joining) for (const id of ids) linked.add(id);
    pending = pending.filter((ids) => !joining.includes(ids));
  }
  return pending.length === 0;
}

export type IdentifierKind = 'crn' | 'pnc' | 'nomsNumber' | 'cro';

/** The identifier to look a person up by: the CRN first, since the facts the ISP tests come from probation. */
export function lookupOf(person: SyntheticPerson): { kind: IdentifierKind; value: string } {
  for (const kind of ['crn', 'pnc', 'nomsNumber', 'cro'] as const) {
    const value = person.identifiers[kind];
    if (value) return { kind, value };
  }
  throw new Error(`person ${person.index} has no identifier`);
}

/** The value at a response path; undefined where the path leaves the data. */
export function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let node: unknown = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
