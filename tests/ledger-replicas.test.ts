/**
 * Two gateway processes, as two replicas would run, writing one ledger in PostgreSQL at the same time: each
 * with its own data directory (its own token issuer and checkpoint key), both under load. Their records must
 * form one chain that verifies, checkpoints from both keys included, with every answered request in it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPopulation } from '../adapters/population/generate.js';
import { ensureLocalIssuer } from '../gateway/authentication/local-issuer.js';
import { SIGNING_KEY_FILE } from '../gateway/ledger/checkpoint.js';
import { type DisclosureRecord, type Ledger, openLedger } from '../gateway/ledger/index.js';
import { BACKENDS, type TestDatabase } from '../gateway/ledger/test-backends.js';
import { loadPolicy } from '../gateway/policy/index.js';
import { type GatewayProcess, loadGateway, runFor, startGatewayProcess } from './ledger-process.js';

const defaultPolicy = () => loadPolicy('policies/iom-partnership.yaml');

const SEED = 20261101;
const LOAD = { minMs: 2_000, maxMs: 15_000, responsesEach: 25 };
const QUERY = 'query($p: String) { person(pnc: $p) { id name { familyName } probation { sentence { type } } housing { accommodationStatus } } }';
const SEARCH = 'query($n: String!) { people(name: $n) { person { id } } }';

const postgres = BACKENDS.find((b) => b.name === 'postgres');
const publicJwkSchema = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() });
const countSchema = z.array(z.object({ count: z.coerce.number() }));

/** The public half of the checkpoint key a gateway keeps in its data directory. */
async function checkpointKeyOf(dataDir: string) {
  const { kty, crv, x, y } = publicJwkSchema.parse(JSON.parse(await readFile(join(dataDir, SIGNING_KEY_FILE), 'utf8')));
  return { kty, crv, x, y };
}

const answered = (body: unknown) => z.object({ data: z.record(z.string(), z.unknown()).nullable() }).safeParse(body).data?.data != null;

describe.skipIf(!postgres?.enabled)('two gateway processes writing one PostgreSQL ledger', () => {
  let database: TestDatabase;
  let databaseUrl: string;
  let dataDirs: string[] = [];
  const gateways: (GatewayProcess | undefined)[] = [undefined, undefined];
  let ledger: Ledger | undefined;
  const start = (dataDir: string) =>
    startGatewayProcess({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, POPULATION_SEED: String(SEED), LEDGER_CHECKPOINT_MS: '300' });

  beforeAll(async () => {
    if (!postgres) throw new Error('no PostgreSQL backend');
    database = await postgres.createDatabase();
    databaseUrl = database.ledgerOptions().databaseUrl as string;
    dataDirs = await Promise.all(['a', 'b'].map((name) => mkdtemp(join(tmpdir(), `ledger-replica-${name}-`))));
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway?.stop('SIGKILL')));
    await ledger?.close();
    await database?.drop();
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('both start when started together on an empty database, and the cohort is seeded and recorded once', async () => {
    const started = await Promise.allSettled(dataDirs.map(start));
    started.forEach((result, index) => {
      if (result.status === 'fulfilled') gateways[index] = result.value;
    });
    expect.soft(started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []))).toEqual([]);
    const seeds = countSchema.parse(await database.admin.query("SELECT count(*) AS count FROM ledger_records WHERE kind = 'alteration'"));
    expect(seeds[0]?.count).toBe(1);
  }, 120_000);

  it('extend one chain that verifies, and record every request either answered', async () => {
    // A replica that could not start together with the other starts now, on a seeded register.
    for (const [index, dataDir] of dataDirs.entries()) gateways[index] ??= await start(dataDir);
    const running = gateways.filter((gateway): gateway is GatewayProcess => gateway !== undefined);

    const people = createPopulation({ seed: SEED, size: 200 }).people;
    const pncs = people.flatMap((p) => (p.identifiers.pnc ? [p.identifiers.pnc] : []));
    let turn = 0;
    const next = () => {
      turn += 1;
      const someone = people[turn % people.length];
      return turn % 4 === 0 && someone
        ? { query: SEARCH, variables: { n: `${someone.givenName} ${someone.familyName}` } }
        : { query: QUERY, variables: { p: pncs[turn % pncs.length] } };
    };
    const stop = new AbortController();
    const loads = await Promise.all(
      running.map(async (gateway, index) => {
        const issuer = await ensureLocalIssuer(gateway.dataDir, defaultPolicy());
        const token = await issuer.sign({ sub: `coordinator-${index}`, agency: 'iom', role: 'iom-coordinator', azp: 'ledger-replica-suite' });
        return loadGateway({ url: gateway.url, token, purpose: 'iom-case-management', clients: 10, signal: stop.signal, label: `replica${index}`, next });
      }),
    );
    const answeredBy = (index: number) => loads[index]?.exchanges.filter((e) => e.status === 200 && answered(e.body)).length ?? 0;
    await runFor({ ...LOAD, enough: () => answeredBy(0) >= LOAD.responsesEach && answeredBy(1) >= LOAD.responsesEach });
    stop.abort();
    await Promise.all(loads.map((load) => load.finished));
    // Stopped as an orchestrator stops them: each signs a last checkpoint on the way out.
    const exits = await Promise.all(running.map((gateway) => gateway.stop('SIGTERM')));
    expect(
      exits.map((exit) => exit.code),
      running.map((g) => g.output()).join('\n'),
    ).toEqual([0, 0]);

    ledger = await openLedger({
      databaseUrl,
      dataDir: dataDirs[0] as string,
      checkpointIntervalMs: 0,
      trustedKeys: [await checkpointKeyOf(dataDirs[1] as string)],
    });
    const records: DisclosureRecord[] = [];
    let after: string | undefined;
    do {
      const page = await ledger.query({}, { limit: 1_000, ...(after === undefined ? {} : { after }) });
      records.push(...page.entries.map((entry) => entry.record));
      after = page.nextCursor ?? undefined;
    } while (after !== undefined);

    const report = await ledger.verify();
    expect(report).toMatchObject({ ok: true, checked: records.length });
    const signers = await database.admin.query('SELECT DISTINCT key_id FROM ledger_checkpoints');
    expect(signers, 'checkpoints from both replicas').toHaveLength(2);

    const recorded = new Set(records.map((r) => r.requestId));
    for (const [index, load] of loads.entries()) {
      const withData = load.exchanges.filter((e) => e.status === 200 && answered(e.body));
      expect(withData.length, `replica ${index} answered`).toBeGreaterThanOrEqual(LOAD.responsesEach);
      expect(withData.filter((e) => !recorded.has(e.requestId)).map((e) => e.requestId)).toEqual([]);
    }
    // Interleaved, not one replica's records after the other's: the two really wrote at the same time.
    const writers = records.flatMap((r) => (r.requestId.startsWith('replica') ? [r.requestId.slice(0, 'replica0'.length)] : []));
    const switches = writers.filter((writer, i) => i > 0 && writer !== writers[i - 1]).length;
    expect(switches).toBeGreaterThan(4);
  }, 120_000);
});
