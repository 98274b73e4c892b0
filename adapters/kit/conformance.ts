/**
 * The conformance suite every agency folder runs with one call (`<agency>/conformance.test.ts`): the agency's
 * adapter against its real simulator over HTTP, checked only through what the contract promises, so it reads the
 * same for every agency. The routes come from the simulator's own `/openapi.yaml`; who the agency knows comes from
 * its population slice.
 */
import { type GraphQLObjectType, getNamedType, isObjectType, Kind, parse, visit } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalIdentifier, IDENTIFIER_KINDS } from '../../schema/identifiers.js';
import { createPopulation, populationOf } from '../population/generate.js';
import { type Served, servedBy } from '../population/slice.js';
import { asSeenBy, type Population } from '../population/types.js';
import { schemaWith, useSimulator } from './agency-test-kit.js';
import { type AgencyModule, type IdentityChange, type IdentityChangePage, IdentityFeedRestartedError } from './contract.js';
import { type ContractRoutes, contractRoutes, shapeDifferences } from './contract-shape.js';
import { AgencyUnavailableError } from './errors.js';
import { canonicalIdentifiers, KEYS_PER_CALL } from './feeds.js';
import { startSimulator } from './simulator.js';

export interface ConformanceOptions {
  /**
   * The agency client's module (`import * as client from './client.js'`): every zod schema it exports under the
   * name of a contract component is compared with that component, and the payloads of the three routes must be among them.
   */
  client: Readonly<Record<string, unknown>>;
  /** Default: 2,000 people from seed 20260101. */
  population?: Population;
}

const isZod = (value: unknown): value is z.ZodType => value instanceof z.ZodType;

export function describeConformance(module: AgencyModule, options: ConformanceOptions): void {
  const { agency } = module;
  const population = options.population ?? createPopulation({ seed: 20260101, size: 2000 });
  const served: Served<unknown>[] = servedBy(population, module.population);
  const sim = useSimulator(() => module.createSimulator(population));
  const adapter = (timeoutMs = 2_000) => module.createAdapter({ baseUrl: sim.url, timeoutMs });
  let routes: ContractRoutes;
  const getJson = async (path: string) => {
    const response = await fetch(`${sim.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const postBatch = (body: unknown) =>
    fetch(`${sim.url}${routes.batch.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  describe(`${agency} conformance`, () => {
    beforeAll(async () => {
      routes = contractRoutes(await (await fetch(`${sim.url}/openapi.yaml`)).text());
    });

    describe('the population slice', () => {
      it('knows some people, each under a distinct key, the same facts each time it is asked', () => {
        expect(served.length).toBeGreaterThan(20);
        expect(new Set(served.map((s) => s.key)).size).toBe(served.length);
        const again = servedBy(population, module.population);
        expect(again.map((s) => s.key)).toEqual(served.map((s) => s.key));
        expect(JSON.stringify(again.slice(0, 20).map((s) => s.facts))).toBe(JSON.stringify(served.slice(0, 20).map((s) => s.facts)));
      });
    });

    describe('identity change feed', () => {
      const readToEnd = async (after: string | null) => {
        const changes: IdentityChange[] = [];
        let cursor = after;
        for (let pages = 0; pages < 1_000; pages++) {
          const page: IdentityChangePage = await adapter().identityChanges(cursor);
          changes.push(...page.changes);
          cursor = page.cursor;
          if (!page.more) return { changes, cursor };
        }
        throw new Error('the change feed never ended');
      };
      const item = (key: string, familyName: string) => ({
        reference: key,
        givenName: 'Amended',
        familyName,
        dateOfBirth: '1990-01-01',
        pnc: null,
        cro: null,
        nomsNumber: null,
        crn: null,
      });
      const amend = (body: unknown) =>
        fetch(`${sim.url}/__admin/identity-changes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

      it('read from the start gives everyone the agency knows, once, with the name and canonical identifiers it records', async () => {
        const { changes } = await readToEnd(null);
        expect(changes).toHaveLength(served.length);
        expect(new Set(changes.map((c) => c.key)).size).toBe(served.length);
        const byKey = new Map(changes.map((change) => [change.key, change.record]));
        for (const { person, facts, key } of served) {
          const seen = asSeenBy(person, agency);
          expect(byKey.get(key), key).toEqual({
            agency,
            key,
            identifiers: canonicalIdentifiers(module.population.identifiersOf(person, facts)),
            givenName: seen.givenName,
            familyName: seen.familyName,
            dateOfBirth: person.dateOfBirth,
          });
        }
        for (const { record } of changes) {
          for (const [kind, value] of Object.entries(record?.identifiers ?? {})) {
            expect(IDENTIFIER_KINDS).toContain(kind);
            expect(canonicalIdentifier(kind as (typeof IDENTIFIER_KINDS)[number], value)).toEqual({ ok: true, value });
          }
        }
      });

      it('pages: every record once over small pages, each no larger than asked, the last saying no more follow', async () => {
        const limit = Math.max(1, Math.ceil(served.length / 4));
        const seen: unknown[] = [];
        let after: string | null = null;
        let more = true;
        for (let pages = 0; more && pages < 100; pages++) {
          const query: string = `?limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
          const { status, body } = await getJson(`${routes.identityChanges.path}${query}`);
          expect(status).toBe(200);
          const items = body.items as unknown[];
          expect(items.length).toBeLessThanOrEqual(limit);
          seen.push(...items);
          after = body.cursor as string;
          more = body.more as boolean;
        }
        expect(more).toBe(false);
        expect(seen).toHaveLength(served.length);
        expect(new Set(seen.map((change) => JSON.stringify(change))).size).toBe(served.length);
      });

      it('after a cursor gives only what changed since: an amended record, then one no longer held', async () => {
        const { cursor } = await readToEnd(null);
        const key = served[1]?.key as string;
        expect((await amend({ reference: key, identity: item(key, 'Changed') })).status).toBe(201);
        expect((await amend({ reference: key, identity: null })).status).toBe(201);
        sim.app.stats.reset();
        const { changes } = await readToEnd(cursor);
        expect(changes).toEqual([
          { key, record: { agency, key, identifiers: {}, givenName: 'Amended', familyName: 'Changed', dateOfBirth: '1990-01-01' } },
          { key, record: null },
        ]);
        expect(sim.app.stats.total()).toBe(1);
      });

      it('refuses a bad limit or a cursor it did not issue with 400 and a reason, and an amendment that is not one', async () => {
        for (const query of ['limit=0', 'limit=ten', `limit=${routes.identityChanges.maxLimit + 1}`, 'after=not-a-cursor']) {
          const { status, body } = await getJson(`${routes.identityChanges.path}?${query}`);
          expect(status, query).toBe(400);
          expect(body.error).toEqual(expect.any(String));
        }
        expect((await amend({ reference: 'A', identity: item('B', 'Mismatch') })).status).toBe(400);
      });

      it('a cursor from another population or past its end says to read again from the start', async () => {
        const { cursor } = await readToEnd(null);
        const [, run, position] = cursor.split('.');
        await expect(adapter().identityChanges(`another-population.${run}.${position}`)).rejects.toBeInstanceOf(IdentityFeedRestartedError);
        await expect(adapter().identityChanges(`${cursor.split('.')[0]}.${run}.${Number(position) + 10}`)).rejects.toBeInstanceOf(IdentityFeedRestartedError);
      });
    });

    describe('batching', () => {
      it(`fetches many records in batches of at most ${KEYS_PER_CALL} keys, each key once`, async () => {
        const keys = served.slice(0, 60).map((s) => s.key);
        const records = await adapter().records([...keys, ...keys.slice(0, 5)]);
        expect([...records.keys()].sort()).toEqual([...keys].sort());
        const calls = sim.app.stats.counts()[`POST ${routes.batch.path}`];
        expect(calls).toBe(Math.ceil(keys.length / Math.min(KEYS_PER_CALL, routes.batch.maxKeys)));
      });

      it('leaves out keys the agency does not hold, and asks nothing for no keys', async () => {
        const known = served[0]?.key as string;
        expect([...(await adapter().records(['NO-SUCH-KEY-0000', known])).keys()]).toEqual([known]);
        sim.app.stats.reset();
        expect((await adapter().records([])).size).toBe(0);
        expect(sim.app.stats.total()).toBe(0);
      });

      it('refuses more keys than the contract allows, no keys, and a body that is not the contract', async () => {
        const over = Array.from({ length: routes.batch.maxKeys + 1 }, (_, i) => `K${i}`);
        for (const body of [{ keys: over }, { keys: [] }, { keys: [42] }, {}]) {
          const response = await postBatch(body);
          expect(response.status, JSON.stringify(body).slice(0, 40)).toBe(400);
          expect(((await response.json()) as { error: unknown }).error).toEqual(expect.any(String));
        }
      });
    });

    describe('failures are the agency being unavailable, never a crash', () => {
      const key = () => served[0]?.key as string;

      it('down: error-status', async () => {
        sim.app.faults.set({ mode: 'down' });
        await expect(adapter().records([key()])).rejects.toMatchObject({ agency, reason: 'error-status' });
        await expect(adapter().identityChanges(null)).rejects.toSatisfy((e) => e instanceof AgencyUnavailableError && e.reason === 'error-status');
      });

      it('malformed: malformed-payload', async () => {
        sim.app.faults.set({ mode: 'malformed' });
        await expect(adapter().records([key()])).rejects.toMatchObject({ agency, reason: 'malformed-payload' });
        await expect(adapter().identityChanges(null)).rejects.toMatchObject({ agency, reason: 'malformed-payload' });
      });

      it('slower than the timeout: timeout, without waiting for the answer', async () => {
        sim.app.faults.set({ latencyMs: 400 });
        const started = Date.now();
        await expect(adapter(100).records([key()])).rejects.toMatchObject({ agency, reason: 'timeout' });
        expect(Date.now() - started).toBeLessThan(400);
      });

      it('nothing listening: unreachable', async () => {
        const gone = await startSimulator(module.createSimulator(populationOf(population, [])));
        await gone.close();
        await expect(module.createAdapter({ baseUrl: gone.url, timeoutMs: 1_000 }).records([key()])).rejects.toMatchObject({ agency, reason: 'unreachable' });
      });
    });

    describe('simulator fault injection over HTTP', () => {
      const putFaults = (body: unknown) =>
        fetch(`${sim.url}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

      it('is down, malformed or slow when told, and normal again after', async () => {
        expect((await putFaults({ mode: 'down' })).status).toBe(200);
        expect((await getJson('/health')).body).toEqual({ status: 'down', agency });
        expect((await fetch(`${sim.url}${routes.identityChanges.path}`)).status).toBe(503);
        await putFaults({ mode: 'malformed' });
        const malformed = await fetch(`${sim.url}${routes.identityChanges.path}`);
        expect(malformed.status).toBe(200);
        expect(await malformed.text()).not.toMatch(/"cursor"/);
        await putFaults({ mode: 'normal', latencyMs: 150 });
        const started = Date.now();
        expect((await fetch(`${sim.url}${routes.identityChanges.path}?limit=1`)).status).toBe(200);
        expect(Date.now() - started).toBeGreaterThanOrEqual(140);
        expect((await (await fetch(`${sim.url}/__admin/faults`)).json()) as unknown).toEqual({ mode: 'normal', latencyMs: 150 });
      });

      it('refuses a fault it does not know, and counts requests per route', async () => {
        expect((await putFaults({ mode: 'on-fire' })).status).toBe(400);
        await fetch(`${sim.url}${routes.identityChanges.path}?limit=1`);
        const stats = (await getJson('/__admin/stats')).body;
        expect(stats).toEqual({ total: 1, counts: { [`GET ${routes.identityChanges.path}`]: 1 } });
      });
    });

    describe('the client parses what the contract says', () => {
      it("every zod schema named after a contract component matches it, and the routes' payloads are all parsed", () => {
        const schemas = Object.entries(options.client).filter((entry): entry is [string, z.ZodType] => isZod(entry[1]) && entry[0] in routes.components);
        const payloads = [routes.identityChanges.page, routes.batch.request, routes.batch.answer, ...(routes.events ? [routes.events.page] : [])];
        expect(payloads.filter((name) => !schemas.some(([exported]) => exported === name))).toEqual([]);
        expect(schemas.flatMap(([name, schema]) => shapeDifferences(routes.components, name, schema))).toEqual([]);
      });
    });

    describe('events', () => {
      it('pages the event feed from the start: every event once, in order, then an empty page at the end', async () => {
        if (routes.events === null) {
          expect(sim.app.events.size()).toBe(0);
          return;
        }
        const made = sim.app.events.generate(7);
        expect(made).toBeGreaterThan(0);
        const ids: string[] = [];
        let after: string | null = null;
        for (let page = 0; page < 20; page++) {
          const query: string = `?limit=3${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
          const { status, body } = await getJson(`${routes.events.path}${query}`);
          expect(status).toBe(200);
          const events = body.events as Record<string, unknown>[];
          if (events.length === 0) break;
          ids.push(...events.map((event) => JSON.stringify(event)));
          after = body.cursor as string;
        }
        expect(ids).toHaveLength(sim.app.events.size());
        expect(new Set(ids).size).toBe(ids.length);
        const read = await adapter().events?.(null);
        expect(read?.cursor).toEqual(expect.any(String));
        for (const event of read?.events ?? []) expect(event).toMatchObject({ agency, id: expect.any(String), key: expect.any(String) });
      });
    });

    describe('schema section', () => {
      it(`extends Person with a section whose every field carries exactly one ${agency} data item, all declared`, () => {
        const schema = schemaWith(module);
        const person = schema.getType('Person') as GraphQLObjectType;
        const sectionType = getNamedType(person.getFields()[agency]?.type);
        expect(isObjectType(sectionType), `Person.${agency}`).toBe(true);
        const used = new Set<string>();
        for (const field of Object.values((sectionType as GraphQLObjectType).getFields())) {
          const directives = field.astNode?.directives ?? [];
          expect(
            directives.map((d) => d.name.value),
            `${sectionType?.name}.${field.name}`,
          ).toEqual(['dataItem']);
          const name = directives[0]?.arguments?.find((a) => a.name.value === 'name')?.value;
          expect(name?.kind).toBe(Kind.STRING);
          if (name?.kind === Kind.STRING) used.add(name.value);
        }
        const everywhere = new Set<string>();
        visit(parse(module.typeDefs), {
          Directive(node) {
            const name = node.arguments?.find((a) => a.name.value === 'name')?.value;
            if (node.name.value === 'dataItem' && name?.kind === Kind.STRING) everywhere.add(name.value);
          },
        });
        expect([...everywhere].sort()).toEqual([...used].sort());
        expect(Object.keys(module.dataItems).sort()).toEqual([...used].sort());
        for (const item of used) expect(item.startsWith(`${agency}.`), item).toBe(true);
      });
    });
  });
}
