/**
 * The disclosure invariant as a property, each run one real HTTP request: for a random caller (role, a purpose
 * the role may declare, a justification where needed), a random person (wrinkles included) and a random query
 * (a subset of the classified fields, aliased, through inline and named fragments, some asked twice),
 *   every non-null classified value returned ⊆ what the oracle allows that caller, purpose and person
 *                                            ⊆ what the ledger records for that request, path by path,
 * and everything the ledger records for the request is in the response and allowed by the oracle.
 */
import { createServer } from 'node:http';
import fc from 'fast-check';
import { type GraphQLObjectType, getNamedType, isLeafType, isObjectType, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRINKLES } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import type { DisclosureRecord } from '../gateway/ledger/index.js';
import { type Caller, COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import { type Listening, listen } from './hostile-requests.js';
import { type Asking, type ClassifiedField, factsOf, IspOracle, linksWhole, lookupOf, type PersonCatalogue, personCatalogue, valueAt } from './isp-oracle.js';
import { readResponse } from './ledger-disclosures.js';

const oracle = new IspOracle();
let system: TestSystem;
let catalogue: PersonCatalogue;

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy() });
  catalogue = personCatalogue(system.gateway.schema);
});
afterAll(async () => {
  await system?.close();
});

/** How one field is asked for: under an alias or not, directly or through a fragment, once or twice. */
interface Asked {
  field: ClassifiedField;
  alias: string | null;
  via: 'direct' | 'inline' | 'named';
  twice: boolean;
}

/** A classified value the query asks for, at its response path. */
interface Probe {
  path: string[];
  dataItem: string;
}

interface RandomQuery {
  personAlias: string | null;
  withId: boolean;
  identity: Asked[];
  sections: { section: string; alias: string | null; via: Asked['via']; fields: Asked[] }[];
}

const VIA = fc.constantFrom<Asked['via']>('direct', 'inline', 'named');
const ALIAS = fc.option(fc.constantFrom('a', 'who', 'x', 'seen', 'val'), { nil: null });

const askedArb = (fields: ClassifiedField[]) =>
  fc
    .subarray(fields, { minLength: 1 })
    .chain((chosen) => fc.tuple(...chosen.map((field) => fc.record({ field: fc.constant(field), alias: ALIAS, via: VIA, twice: fc.boolean() }))));

const queryArb = (): fc.Arbitrary<RandomQuery> =>
  fc.record({
    personAlias: ALIAS,
    withId: fc.boolean(),
    identity: fc.option(askedArb(catalogue.identity), { nil: null }).map((asked) => asked ?? []),
    sections: fc
      .subarray([...catalogue.sections.entries()])
      .chain((sections) =>
        fc.tuple(...sections.map(([section, fields]) => fc.record({ section: fc.constant(section), alias: ALIAS, via: VIA, fields: askedArb(fields) }))),
      ),
  });

/** The query text, the response key of the person, and the path of every classified value it asks for. */
function render(query: RandomQuery, lookup: string): { text: string; personKey: string; probes: Probe[] } {
  const { schema } = system.gateway;
  const fragments: string[] = [];
  const probes: Probe[] = [];
  const typeOf = (typeName: string, field: string) => {
    const type = schema.getType(typeName);
    const found = isObjectType(type) ? type.getFields()[field] : undefined;
    if (!found) throw new Error(`${typeName}.${field} is not in the schema`);
    return getNamedType(found.type);
  };
  const wrap = (via: Asked['via'], on: string, selection: string) => {
    if (via === 'direct') return selection;
    if (via === 'inline') return `... on ${on} { ${selection} }`;
    const name = `Part${fragments.length}`;
    fragments.push(`fragment ${name} on ${on} { ${selection} }`);
    return `...${name}`;
  };
  // Aliases carry their position, so that no two different fields share a response key.
  const select = (asked: Asked, index: number, on: string, parent: string[]) => {
    const type = typeOf(on, asked.field.field);
    const body = isLeafType(type) ? '' : ` { ${catalogue.selectionOf(type.name)} }`;
    const keys = [asked.alias ? `${asked.alias}${index}` : asked.field.field, ...(asked.twice ? [`again${index}`] : [])];
    for (const key of keys) probes.push({ path: [...parent, key], dataItem: asked.field.dataItem });
    return keys.map((key) => wrap(asked.via, on, `${key === asked.field.field ? '' : `${key}: `}${asked.field.field}${body}`)).join(' ');
  };

  const personKey = query.personAlias ? `${query.personAlias}Person` : 'person';
  const parts: string[] = query.withId ? ['id'] : [];
  query.identity.forEach((asked, i) => {
    parts.push(select(asked, i, 'Person', [personKey]));
  });
  query.sections.forEach(({ section, alias, via, fields }, s) => {
    const key = alias ? `${alias}Section${s}` : section;
    const on = typeOf('Person', section).name;
    const inner = fields.map((asked, i) => select(asked, i, on, [personKey, key])).join(' ');
    parts.push(wrap(via, 'Person', `${key === section ? '' : `${key}: `}${section} { ${inner} }`));
  });
  if (parts.length === 0) parts.push('id');
  const text = `query Random($v: String) { ${personKey === 'person' ? '' : `${personKey}: `}person(${lookup}: $v) { ${parts.join(' ')} } }\n${fragments.join('\n')}`;
  return { text, personKey, probes };
}

/** The wrinkles and a spread of everyone else: cohort members, MAPPA cases, consent either way. */
function sampleOfPopulation(): SyntheticPerson[] {
  const people = system.population.people;
  const wrinkles = new Set<number>(Object.values(WRINKLES).flat());
  const facts = people.map(factsOf);
  const some = (predicate: (i: number) => boolean, count: number) => people.filter((_, i) => predicate(i)).slice(0, count);
  return [
    ...people.filter((p) => wrinkles.has(p.index)),
    ...some((i) => facts[i]!.inActiveCohort && facts[i]!.consentRecorded, 8),
    ...some((i) => facts[i]!.inActiveCohort && facts[i]!.mappaCase, 6),
    ...some((i) => facts[i]!.inActiveCohort && !facts[i]!.consentRecorded && !facts[i]!.mappaCase, 10),
    ...some((i) => !facts[i]!.inActiveCohort && facts[i]!.mappaCase, 3),
    ...people.filter((_, i) => i % 97 === 0),
  ].filter((p) => Object.values(p.identifiers).some((id) => id !== null));
}

describe('the disclosure invariant, property-tested over HTTP', () => {
  it('returns only what the ISP allows, and the ledger records every value returned, at its path', async () => {
    const sample = sampleOfPopulation();
    const callers = oracle.roles.flatMap((role) => oracle.permittedPurposes(role).map((purpose) => ({ role, purpose })));
    let run = 0;
    let disclosingRuns = 0;

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...callers), fc.constantFrom(...sample), queryArb(), async ({ role, purpose }, person, query) => {
        run += 1;
        const { kind, value } = lookupOf(person);
        const { text, personKey, probes } = render(query, kind);
        const caller: Caller = {
          role,
          agency: oracle.agencyOf(role),
          sub: `property-${run}-${role}`,
          purpose,
          ...(oracle.requiresJustification(purpose) ? { justification: `Property run ${run}` } : {}),
        };
        const { status, body } = await system.query(text, { v: value }, caller);
        const context = `run ${run}: ${role} / ${purpose} about #${person.index}\n${text}`;
        expect(status, context).toBe(200);

        if (oracle.noPersonData(role, purpose)) {
          expect(body.data?.[personKey] ?? null, context).toBeNull();
          expect(
            body.errors?.map((e) => e.extensions?.code),
            context,
          ).toEqual(['FORBIDDEN']);
          return;
        }

        const asking: Asking = { role, purpose, emergency: oracle.isEmergency(purpose) };
        const facts = factsOf(person);
        if (!oracle.visible(asking, facts)) {
          expect(body.data?.[personKey], context).toBeNull();
          expect(body.errors, context).toBeUndefined();
        }

        const now = new Date();
        const returned = new Map<string, string>();
        for (const probe of probes) {
          if ((valueAt(body.data, probe.path) ?? null) === null) continue;
          const decision = oracle.decide(asking, probe.dataItem, facts, now);
          expect(decision.allowed, `${context}\n${probe.path.join('.')} (${probe.dataItem}) was returned`).toBe(true);
          returned.set(probe.path.join('.'), probe.dataItem);
        }
        for (const error of body.errors ?? []) expect(error.extensions?.code, context).toBe('WITHHELD');

        const requestId = body.extensions?.requestId;
        expect(requestId, context).toEqual(expect.any(String));
        const { entries } = await system.ledger.query({ userId: caller.sub });
        const records = entries.map((entry) => entry.record);
        expect(
          records.every((record) => record.requestId === requestId),
          context,
        ).toBe(true);
        expect(records.length, context).toBeLessThanOrEqual(1);
        // The ledger may be finer than the query (a list whose entries each derive from another item), never coarser.
        const recorded = new Map<string, string>();
        for (const subject of records[0]?.subjects ?? []) {
          for (const { path, dataItem, clauseId } of subject.disclosed) {
            recorded.set(path, dataItem);
            expect(valueAt(body.data, path.split('.')) ?? null, `${context}\nledger records ${path}, which the response does not carry`).not.toBeNull();
            const decision = oracle.decideRecorded(asking, dataItem, facts, now, catalogue);
            expect(decision.allowed && decision.clauses.includes(clauseId), `${context}\nledger cites ${clauseId} for ${dataItem} at ${path}`).toBe(true);
          }
        }
        for (const [path, dataItem] of returned) expect(recorded.get(path), `${context}\n${path} is not in the ledger`).toBe(dataItem);
        if (returned.size > 0) {
          disclosingRuns += 1;
          expect(records[0]?.outcome, context).toBe('disclosed');
        }
      }),
      { numRuns: 60 },
    );
    // The property says something only if many runs disclose something (about half do; a quarter is the floor).
    expect(disclosingRuns).toBeGreaterThanOrEqual(15);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Every root field and the subscription: a random selection of the whole schema below each, aliased at every
// level (edges, node, connection fields and page info included), through fragments; what the response carries is
// read from the response and the operation alone (tests/ledger-disclosures.ts).

type Gen = fc.GeneratorValue;

/** A random selection set below a root field, and its named fragments. */
class RandomSelection {
  readonly fragments: string[] = [];
  private aliases = 0;

  constructor(private readonly g: Gen) {}

  /** The response key prefix for a field: an alias (numbered, so never shared) or none. */
  private keyFor(): string {
    return this.g(fc.boolean) ? `${this.g(fc.constantFrom, 'a', 'e', 'n', 'x', 'seen', 'p')}${this.aliases++}: ` : '';
  }

  private wrap(on: string, selection: string): string {
    const via = this.g(fc.constantFrom, 'direct', 'direct', 'inline', 'named');
    if (via === 'direct') return selection;
    if (via === 'inline') return `... on ${on} { ${selection} }`;
    const name = `Part${this.fragments.length}`;
    this.fragments.push(`fragment ${name} on ${on} { ${selection} }`);
    return `...${name}`;
  }

  of(type: GraphQLObjectType, depth: number): string {
    const fields = Object.values(type.getFields()).filter((field) => field.args.length === 0);
    if (depth <= 0) return type.name === 'Person' ? 'id' : (fields.find((f) => isLeafType(getNamedType(f.type)))?.name ?? '__typename');
    const count = this.g(fc.integer, { min: 1, max: Math.min(4, fields.length) });
    // Names, not field objects: fast-check compares the values it draws, and a schema's are cyclic.
    const names = this.g(
      fc.shuffledSubarray,
      fields.map((field) => field.name),
      { minLength: count, maxLength: count },
    );
    // A connection's entries are what it is about: always among what is asked, beside whatever else is.
    if (type.name.endsWith('Connection') && !names.includes('edges')) names.push('edges');
    const chosen = names.map((name) => type.getFields()[name] as (typeof fields)[number]);
    const parts = chosen.flatMap((field) => {
      const named = getNamedType(field.type);
      const times = this.g(fc.constantFrom, 1, 1, 1, 2);
      return Array.from({ length: times }, () => {
        const body = isObjectType(named) ? ` { ${this.of(named, depth - 1)} }` : '';
        return this.wrap(type.name, `${this.keyFor()}${field.name}${body}`);
      });
    });
    if (this.g(fc.integer, { min: 0, max: 9 }) === 0) parts.push('__typename');
    return parts.join(' ');
  }

  root(field: string, args: string, depth: number): string {
    const type = system.gateway.schema.getQueryType()?.getFields()[field]?.type;
    const named = type === undefined ? undefined : getNamedType(type);
    if (!named || !isObjectType(named)) throw new Error(`Query.${field} does not return an object`);
    return `${this.keyFor()}${field}${args} { ${this.of(named, depth)} }`;
  }
}

type CallerPool = 'person' | 'coordinator' | 'ig';

interface RootField {
  field: string;
  pool: CallerPool;
  args: (g: Gen) => string;
}

const quoted = (value: string) => JSON.stringify(value);
const ROOT_FIELDS: RootField[] = [
  {
    field: 'person',
    pool: 'person',
    args: (g) => {
      const { kind, value } = lookupOf(someone(g));
      return `(${kind}: ${quoted(value)})`;
    },
  },
  {
    field: 'people',
    pool: 'person',
    args: (g) => {
      const p = someone(g);
      return `(name: ${quoted(`${p.givenName} ${p.familyName}`)}, first: ${g(fc.integer, { min: 1, max: 3 })})`;
    },
  },
  { field: 'cohort', pool: 'person', args: (g) => `(first: ${g(fc.integer, { min: 1, max: 4 })}${g(fc.boolean) ? ', strand: FIXED' : ''})` },
  { field: 'cohortCandidates', pool: 'coordinator', args: (g) => `(first: ${g(fc.integer, { min: 1, max: 3 })})` },
  { field: 'events', pool: 'person', args: (g) => `(first: ${g(fc.integer, { min: 1, max: 4 })})` },
  {
    field: 'accessExplanation',
    pool: 'person',
    args: (g) => {
      const { kind, value } = lookupOf(someone(g));
      return `(${kind}: ${quoted(value)})`;
    },
  },
  { field: 'disclosures', pool: 'ig', args: (g) => `(first: ${g(fc.integer, { min: 1, max: 3 })})` },
  { field: 'subjectAccessReport', pool: 'ig', args: (g) => `(pnc: ${quoted(someone(g).identifiers.pnc ?? '2002/0949875C')})` },
  { field: 'disclosureAlerts', pool: 'ig', args: () => '(from: "2020-01-01T00:00:00Z", to: "2040-01-01T00:00:00Z")' },
  { field: 'ledgerIntegrity', pool: 'ig', args: () => '' },
];

let sampled: SyntheticPerson[] = [];
/** One of the sampled people, drawn by position (fast-check prints what it draws). */
const someone = (g: Gen): SyntheticPerson => sampled[g(fc.nat, { max: sampled.length - 1 })] as SyntheticPerson;
/** The population by each of its identifiers, to tell whom a recorded subject is. */
let byIdentifier = new Map<string, SyntheticPerson>();
const GATEWAY_ID = /^GW-[0-9A-F]{12}$/;

function callersOf(pool: CallerPool): { role: string; purpose: string }[] {
  if (pool === 'ig') return [{ role: 'ig-officer', purpose: 'audit' }];
  if (pool === 'coordinator') return [{ role: 'iom-coordinator', purpose: 'iom-case-management' }];
  return oracle.roles.flatMap((role) =>
    oracle
      .permittedPurposes(role)
      .filter((purpose) => !oracle.noPersonData(role, purpose))
      .map((purpose) => ({ role, purpose })),
  );
}

function gatewayIdsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string' && GATEWAY_ID.test(value)) into.add(value);
  else if (Array.isArray(value)) for (const item of value) gatewayIdsIn(item, into);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) gatewayIdsIn(item, into);
  return into;
}

/** The synthetic person a recorded subject is, where the agencies' records of them link whole (else the oracle's facts may differ). */
function whoIs(subject: DisclosureRecord['subjects'][number]): SyntheticPerson | undefined {
  const { pnc, cro, nomsNumber, crn } = subject.identifiers;
  const found = [pnc && `pnc:${pnc}`, crn && `crn:${crn}`, nomsNumber && `nomsNumber:${nomsNumber}`, cro && `cro:${cro}`]
    .flatMap((key) => (key ? [byIdentifier.get(key)] : []))
    .find((person) => person !== undefined);
  return found && linksWhole(found) ? found : undefined;
}

/**
 * returned ⊆ ISP-allowed ⊆ recorded, path by path, for one response (or subscription payload) and its record:
 * every value the response carries about someone is recorded at its path (with its data item and person, where
 * the response shows them), every person it names is in the record, and everything recorded is in the response
 * and allowed by the oracle for that person.
 */
function expectRecorded(
  context: string,
  asking: Asking,
  document: string,
  data: Record<string, unknown> | null,
  record: DisclosureRecord | undefined,
): boolean {
  const reading = readResponse(system.gateway.schema, parse(document), data);
  const named = gatewayIdsIn(data);
  if (reading.disclosed.length === 0 && named.size === 0) return false;
  expect(record, `${context}\nno record`).toBeDefined();
  if (!record) return false;
  expect(
    [...named].filter((id) => !record.subjects.some((s) => s.gatewayId === id)),
    `${context}\npeople the record does not name`,
  ).toEqual([]);
  const recorded = record.subjects.flatMap((subject) => subject.disclosed.map((d) => ({ ...d, subject })));
  for (const d of reading.disclosed) {
    const at = recorded.filter((r) => r.path === d.path);
    expect(at.length, `${context}\n${d.path} (${d.dataItem ?? 'some item'}) is returned but not recorded`).toBeGreaterThan(0);
    if (d.dataItem !== null)
      expect(
        at.map((r) => r.dataItem),
        `${context}\n${d.path}`,
      ).toContain(d.dataItem);
    if (d.subject !== null)
      expect(
        at.map((r) => r.subject.gatewayId),
        `${context}\n${d.path} is about ${d.subject}`,
      ).toContain(d.subject);
  }
  const now = new Date();
  for (const { path, dataItem, clauseId, subject } of recorded) {
    expect(valueAt(data, path.split('.')) ?? null, `${context}\nledger records ${path}, which the response does not carry`).not.toBeNull();
    const person = whoIs(subject);
    if (!person) continue;
    const decision = oracle.decideRecorded(asking, dataItem, factsOf(person), now, catalogue);
    expect(decision.allowed && decision.clauses.includes(clauseId), `${context}\n${dataItem} at ${path} about #${person.index} under ${clauseId}`).toBe(true);
  }
  if (reading.disclosed.length > 0) expect(record.outcome, context).toBe('disclosed');
  return reading.disclosed.length > 0;
}

describe('the disclosure invariant on every root field and the subscription', () => {
  let gateway: Listening | undefined;
  let url: string;

  beforeAll(async () => {
    sampled = sampleOfPopulation();
    byIdentifier = new Map(
      system.population.people.flatMap((p) =>
        (['pnc', 'crn', 'nomsNumber', 'cro'] as const).flatMap((kind) => (p.identifiers[kind] ? [[`${kind}:${p.identifiers[kind]}`, p] as const] : [])),
      ),
    );
    await makeEvents(30);
    gateway = await listen(createServer(system.app));
    url = `${gateway.url}/graphql`;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  async function makeEvents(count: number): Promise<void> {
    const response = await fetch(`${system.simulator('police').url}/__admin/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count }),
    });
    expect(response.status).toBe(200);
    await system.events.poll();
  }

  it('records every value any root field returns about a person, at its path, and returns only what the ISP allows', async () => {
    let run = 0;
    const disclosingFields = new Set<string>();
    for (const root of ROOT_FIELDS) {
      let runOfField = 0;
      await fc.assert(
        fc.asyncProperty(fc.gen(), async (g) => {
          run += 1;
          runOfField += 1;
          // Each field's first run asks as the coordinator, who may receive the most; then anyone who may ask.
          const callers = callersOf(root.pool);
          const { role, purpose } = runOfField === 1 && root.pool === 'person' ? callersOf('coordinator')[0]! : g(fc.constantFrom, ...callers);
          const selection = new RandomSelection(g);
          // Four levels below the root at most: with a fragment at each, the query stays within the depth limit.
          const text = `query Random { ${selection.root(root.field, root.args(g), g(fc.integer, { min: 2, max: 4 }))} }\n${selection.fragments.join('\n')}`;
          const caller: Caller = {
            role,
            agency: oracle.agencyOf(role),
            sub: `every-root-${run}-${role}`,
            purpose,
            ...(oracle.requiresJustification(purpose) ? { justification: `Property run ${run}` } : {}),
          };
          const context = `run ${run}: ${role} / ${purpose}\n${text}`;
          const { body } = await system.query(text, {}, caller);
          for (const error of body.errors ?? []) expect(['WITHHELD', 'FORBIDDEN'], `${context}\n${error.message}`).toContain(error.extensions?.code);
          const { entries } = await system.ledger.query({ userId: caller.sub });
          expect(entries.length, context).toBeLessThanOrEqual(1);
          const asking: Asking = { role, purpose, emergency: oracle.isEmergency(purpose) };
          if (expectRecorded(context, asking, text, body.data ?? null, entries[0]?.record)) disclosingFields.add(root.field);
        }),
        { numRuns: 4 },
      );
    }
    // The property says something only if the connections and the events did disclose (the person, above).
    expect([...disclosingFields]).toEqual(expect.arrayContaining(['cohort', 'cohortCandidates', 'events']));
  }, 120_000);

  it('records every event a subscription sends, at its path under the subscription’s aliases', async () => {
    let run = 0;
    const event = system.gateway.schema.getType('CohortEvent');
    if (!isObjectType(event)) throw new Error('no CohortEvent type');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(COORDINATOR, { role: 'police-offender-manager', agency: 'police', purpose: 'iom-case-management' }),
        fc.gen(),
        async (who, g) => {
          run += 1;
          const selection = new RandomSelection(g);
          const alias = g(fc.boolean) ? `alerts${run}: ` : '';
          const text = `subscription Random { ${alias}cohortEvents { ${selection.of(event, g(fc.integer, { min: 2, max: 4 }))} } }\n${selection.fragments.join('\n')}`;
          const caller = { ...who, sub: `every-event-${run}` };
          const payloads = await subscribed(caller, text, 2, () => makeEvents(20));
          // Each payload was recorded before it was sent, in order (the server may have recorded one more, not yet read).
          const { entries } = await system.ledger.query({ userId: caller.sub });
          expect(entries.length, text).toBeGreaterThanOrEqual(payloads.length);
          const asking: Asking = { role: caller.role, purpose: caller.purpose ?? '', emergency: false };
          payloads.forEach((payload, i) => {
            for (const error of payload.errors ?? []) expect((error as { extensions?: { code?: unknown } }).extensions?.code, text).toBe('WITHHELD');
            expect(expectRecorded(`subscription run ${run}, payload ${i}\n${text}`, asking, text, payload.data ?? null, entries[i]?.record), text).toBe(true);
          });
        },
      ),
      { numRuns: 4 },
    );
  }, 60_000);

  /** The first `count` payloads of a subscription, once `start` has made something to send. */
  async function subscribed(caller: Caller & { sub: string }, query: string, count: number, start: () => Promise<void>) {
    const token = await system.token({ sub: caller.sub, role: caller.role, agency: caller.agency });
    const controller = new AbortController();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, 'x-purpose': caller.purpose ?? '' },
      body: JSON.stringify({ query }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no response body');
    await start();
    const payloads: { data?: Record<string, unknown> | null; errors?: unknown[] }[] = [];
    const decoder = new TextDecoder();
    let buffered = '';
    const deadline = Date.now() + 10_000;
    try {
      while (payloads.length < count && Date.now() < deadline) {
        const read = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now()))]);
        if (read === null || read.done) break;
        const { value } = read;
        buffered += decoder.decode(value, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (/^event: next$/m.test(message) && data) payloads.push(JSON.parse(data) as (typeof payloads)[number]);
        }
      }
    } finally {
      controller.abort();
    }
    expect(payloads.length, query).toBe(count);
    return payloads;
  }
});
