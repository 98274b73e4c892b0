/**
 * The disclosure invariant as a property, each run one real HTTP request: for a random caller (role, a purpose
 * the role may declare, a justification where needed), a random person (wrinkles included) and a random query
 * (a subset of the classified fields, aliased, through inline and named fragments, some asked twice),
 *   every non-null classified value returned ⊆ what the oracle allows that caller, purpose and person
 *                                            ⊆ what the ledger records for that request, path by path,
 * and everything the ledger records for the request is in the response and allowed by the oracle.
 */
import fc from 'fast-check';
import { getNamedType, isLeafType, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRINKLES } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { type Caller, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import {
  type Asking,
  type ClassifiedField,
  factsOf,
  IspOracle,
  lookupOf,
  type PersonCatalogue,
  personCatalogue,
  valueAt,
} from './isp-oracle.js';

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
  fc.subarray(fields, { minLength: 1 }).chain((chosen) =>
    fc.tuple(...chosen.map((field) => fc.record({ field: fc.constant(field), alias: ALIAS, via: VIA, twice: fc.boolean() }))),
  );

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
  query.identity.forEach((asked, i) => parts.push(select(asked, i, 'Person', [personKey])));
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
          expect(body.errors?.map((e) => e.extensions?.['code']), context).toEqual(['FORBIDDEN']);
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
        for (const error of body.errors ?? []) expect(error.extensions?.['code'], context).toBe('WITHHELD');

        const requestId = body.extensions?.['requestId'];
        expect(requestId, context).toEqual(expect.any(String));
        const { entries } = await system.ledger.query({ userId: caller.sub });
        const records = entries.map((entry) => entry.record);
        expect(records.every((record) => record.requestId === requestId), context).toBe(true);
        expect(records.length, context).toBeLessThanOrEqual(1);
        // The ledger may be finer than the query (a list whose entries each derive from another item), never coarser.
        const recorded = new Map<string, string>();
        for (const subject of records[0]?.subjects ?? []) {
          for (const { path, dataItem, clauseId } of subject.disclosed) {
            recorded.set(path, dataItem);
            expect(valueAt(body.data, path.split('.')) ?? null, `${context}\nledger records ${path}, which the response does not carry`).not.toBeNull();
            const decision = oracle.decide(asking, dataItem, facts, now);
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
