/**
 * Test scaffolding the agency suites (adapters/<agency>/<agency>.test.ts) share: one simulator per file,
 * reset between tests, and the checks that read the same for every agency once its names are filled in.
 */
import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLObjectType, getNamedType, isObjectType, Kind, parse, visit } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalIdentifier, IDENTIFIER_KINDS, mintCro, mintPnc } from '../../schema/identifiers.js';
import { populationOf } from '../population/generate.js';
import { type AgencyName, asSeenBy, type Population, type SyntheticPerson } from '../population/types.js';
import type { AgencyAdapter, AgencyModule, IdentityRecord, SimulatorApp } from './contract.js';
import { IDENTITY_CHANGES_PATH } from './identity-changes.js';
import { CONTRACT_LIMITS } from './identity-feed.js';
import { type RunningSimulator, startSimulator } from './simulator.js';

/**
 * Starts the simulator before the file's tests and stops it after; each test starts with no faults and no
 * counted requests. The answer reads through to the running simulator, so `sim.url` works in any test.
 */
export function useSimulator(create: () => SimulatorApp): RunningSimulator {
  let running: RunningSimulator | undefined;
  const current = (): RunningSimulator => {
    if (!running) throw new Error('the simulator is used outside a test');
    return running;
  };
  beforeAll(async () => {
    running = await startSimulator(create());
  });
  afterAll(() => current().close());
  afterEach(() => {
    current().app.faults.set({ mode: 'normal', latencyMs: 0 });
    current().app.stats.reset();
  });
  return {
    get agency() {
      return current().agency;
    },
    get url() {
      return current().url;
    },
    get app() {
      return current().app;
    },
    close: () => current().close(),
  };
}

/**
 * Everyone the agency holds, as its adapter reads the identity change feed from the start: there every record appears
 * once, so none is null (a null would be a record gone before it was ever given).
 */
export async function identitiesFromTheStart(adapter: AgencyAdapter): Promise<IdentityRecord[]> {
  const records: IdentityRecord[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1_000; pages++) {
    const page = await adapter.identityChanges(after);
    for (const { key, record } of page.changes) {
      if (record === null) throw new Error(`the change feed read from the start says ${key} is no longer held`);
      records.push(record);
    }
    if (!page.more) return records;
    after = page.cursor;
  }
  throw new Error('the change feed never ended');
}

/** Population facts are kebab-case; the SDL's enum values are the same words in UPPER_SNAKE_CASE. */
export const upperSnake = (value: string) => value.toUpperCase().replace(/-/g, '_');

/** A selection set asking for every field of `type`, recursively. */
export function selection(type: GraphQLObjectType): string {
  const fields = Object.values(type.getFields()).map((field) => {
    const named = getNamedType(field.type);
    return isObjectType(named) ? `${field.name} ${selection(named)}` : field.name;
  });
  return `{ ${fields.join(' ')} }`;
}

/** The unified schema with the module's SDL added. */
export function schemaWith(module: AgencyModule): ReturnType<typeof buildSchema> {
  return buildSchema(readFileSync(new URL('../../schema/person.graphql', import.meta.url), 'utf8') + module.typeDefs);
}

/**
 * The module's SDL: exactly `dataItems` are declared and used, `Person.<agency>` is the section type, every
 * section field carries a data item, and the types nested under it (but `StaffContact`, shared) carry none.
 */
export function describeModuleSchema(module: AgencyModule, section: { type: string; dataItems: readonly string[] }): void {
  describe(`${module.agency} module`, () => {
    it(`declares exactly the data items its schema uses, all ${module.agency} items`, () => {
      const used = new Set<string>();
      visit(parse(module.typeDefs), {
        Directive(node) {
          const name = node.arguments?.find((a) => a.name.value === 'name')?.value;
          if (node.name.value === 'dataItem' && name?.kind === Kind.STRING) used.add(name.value);
        },
      });
      expect([...used].sort()).toEqual(Object.keys(module.dataItems).sort());
      expect(Object.keys(module.dataItems).sort()).toEqual([...section.dataItems].sort());
    });

    it('extends Person with a section whose every field carries a data item, and nested types carry none', () => {
      const schema = schemaWith(module);
      const person = schema.getType('Person') as GraphQLObjectType;
      expect(String(person.getFields()[module.agency]?.type)).toBe(section.type);
      const sectionType = schema.getType(section.type) as GraphQLObjectType;
      for (const field of Object.values(sectionType.getFields())) {
        expect(
          field.astNode?.directives?.map((d) => d.name.value),
          `${section.type}.${field.name}`,
        ).toEqual(['dataItem']);
      }
      const nested = new Set<string>();
      const collect = (type: GraphQLObjectType) => {
        for (const field of Object.values(type.getFields())) {
          const named = getNamedType(field.type);
          if (isObjectType(named) && named.name !== 'StaffContact' && !nested.has(named.name)) {
            nested.add(named.name);
            collect(named);
          }
        }
      };
      collect(sectionType);
      expect(nested.size).toBeGreaterThan(0);
      for (const name of nested) {
        for (const field of Object.values((schema.getType(name) as GraphQLObjectType).getFields())) {
          expect(field.astNode?.directives ?? [], `${name}.${field.name}`).toEqual([]);
        }
      }
    });
  });
}

/**
 * The simulator refuses a bad batch body or identity change query with 400 and a reason. `keyLetter` starts the
 * made-up keys, so they look like the agency's own.
 */
export function describeSimulatorInput(title: string, sim: RunningSimulator, batch: { path: string; keyLetter: string }): void {
  describe(title, () => {
    const post = (body: string) => fetch(`${sim.url}${batch.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    it.each([
      ['no keys', '{"keys": []}'],
      ['keys not a list', `{"keys": "${batch.keyLetter}1"}`],
      ['a key not a string', '{"keys": [42]}'],
      ['more than 100 keys', JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => `${batch.keyLetter}${i}`) })],
      ['no body', '{}'],
      ['not JSON', '{"keys": ['],
    ])('rejects %s with 400 and a reason', async (_case, body) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/keys|JSON/);
    });

    it.each(['limit=0', 'limit=501', 'limit=ten', 'after=abc'])('rejects the identity change query %s with 400', async (query) => {
      const response = await fetch(`${sim.url}${IDENTITY_CHANGES_PATH}?${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/limit|cursor/);
    });
  });
}

/**
 * The identity change feed for an agency whose records are keyed by a local reference: complete from the start, paged
 * 500 at a time, with the agency's own spellings and identifiers made canonical; loosely keyed identifiers are tidied and one
 * failing its check is dropped. `served` are the people the agency knows, `keyOf` their reference there.
 */
export function describeIdentityChangeFeed(
  title: string,
  module: AgencyModule,
  sim: RunningSimulator,
  feed: { agency: AgencyName; population: Population; served: readonly SyntheticPerson[]; keyOf: (person: SyntheticPerson) => string },
): void {
  const { agency, population, served, keyOf } = feed;
  describe(title, () => {
    it('gives everyone the agency knows from the start of its change feed, 500 a page, with the names and identifiers it records, canonical', async () => {
      // Enough people for two pages, and the agency's own spellings among them.
      expect(served.length).toBeGreaterThan(500);
      expect(served.some((p) => asSeenBy(p, agency).givenName !== p.givenName || asSeenBy(p, agency).familyName !== p.familyName)).toBe(true);
      const records = await identitiesFromTheStart(module.createAdapter({ baseUrl: sim.url, timeoutMs: 2_000 }));

      expect(sim.app.stats.counts()[`GET ${IDENTITY_CHANGES_PATH}`]).toBe(Math.ceil(served.length / CONTRACT_LIMITS.identityPage));
      expect(records).toHaveLength(served.length);
      const byKey = new Map(records.map((r) => [r.key, r]));
      for (const person of served) {
        const seen = asSeenBy(person, agency);
        const expected: Record<string, string> = {};
        for (const kind of IDENTIFIER_KINDS) if (seen[kind] !== null) expected[kind] = seen[kind] as string;
        expect(byKey.get(keyOf(person))).toEqual({
          agency,
          key: keyOf(person),
          identifiers: expected,
          givenName: seen.givenName,
          familyName: seen.familyName,
          dateOfBirth: person.dateOfBirth,
        });
      }
      for (const record of records) {
        for (const [kind, value] of Object.entries(record.identifiers)) {
          expect(canonicalIdentifier(kind as (typeof IDENTIFIER_KINDS)[number], value)).toEqual({ ok: true, value });
        }
      }
    });

    it('canonicalises identifiers the agency keyed loosely and drops ones that fail validation', async () => {
      const pnc = mintPnc(2019, 12345);
      const cro = mintCro(123456, 2019);
      const loose: SyntheticPerson = {
        ...(served[0] as SyntheticPerson),
        identifiers: {
          pnc: pnc.replace(/^20(\d\d)\/0+/, '$1/'), // the short form: two-digit year, unpadded serial
          cro: cro.slice(0, -1) + (cro.endsWith('A') ? 'B' : 'A'), // a wrong check letter
          nomsNumber: ' a1234bc',
          crn: 'x123456',
        },
        missingAt: {},
        conflicting: {},
      };
      const local = await startSimulator(module.createSimulator(populationOf(population, [loose])));
      try {
        const [record] = await identitiesFromTheStart(module.createAdapter({ baseUrl: local.url, timeoutMs: 2_000 }));
        expect(record?.identifiers).toEqual({ pnc, nomsNumber: 'A1234BC', crn: 'X123456' });
      } finally {
        await local.close();
      }
    });
  });
}
