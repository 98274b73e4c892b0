/**
 * The ledger's promise under the worst ending: the real gateway process, loaded by twenty clients, killed
 * with SIGKILL. Every response that reached a client with data must have its record in the ledger the
 * process left behind (the gateway releases a response only after its record commits), and the chain,
 * with the checkpoints signed on the way, must verify. On the embedded PGlite and on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPopulation } from '../adapters/population/generate.js';
import { ensureLocalIssuer } from '../gateway/authentication/local-issuer.js';
import { type DisclosureRecord, type Ledger, openLedger } from '../gateway/ledger/index.js';
import { BACKENDS, type TestDatabase } from '../gateway/ledger/test-backends.js';
import { loadPolicy } from '../gateway/policy/index.js';
import { type Exchange, loadGateway, runFor, startGatewayProcess } from './ledger-process.js';

const defaultPolicy = () => loadPolicy('policies/iom-partnership.yaml');

const SEED = 20261101;
const SIZE = 200;
/** About two seconds of load, longer if the machine is too busy to deliver this many responses in that time. */
const LOAD = { minMs: 2_000, maxMs: 15_000, responses: 40 };

const QUERIES = [
  'query($p: String) { person(pnc: $p) { id name { familyName } dateOfBirth police { arrests { offence } } probation { sentence { type } } } }',
  'query($p: String) { person(pnc: $p) { id identifiers { crn } housing { accommodationStatus } prison { inCustody } } }',
];

const answerSchema = z.object({
  data: z
    .object({ person: z.object({ id: z.string() }).nullable() })
    .nullable()
    .optional(),
  extensions: z.object({ requestId: z.string() }).optional(),
});

/** The exchanges whose response carried a person: what a client actually received. */
function delivered(exchanges: readonly Exchange[]): { requestId: string; echoed: string | undefined }[] {
  return exchanges.flatMap((exchange) => {
    if (exchange.status !== 200) return [];
    const answer = answerSchema.parse(exchange.body);
    return answer.data?.person ? [{ requestId: exchange.requestId, echoed: answer.extensions?.requestId }] : [];
  });
}

async function allRecords(ledger: Ledger): Promise<DisclosureRecord[]> {
  const records: DisclosureRecord[] = [];
  let after: string | undefined;
  do {
    const page = await ledger.query({}, { limit: 1_000, ...(after === undefined ? {} : { after }) });
    records.push(...page.entries.map((entry) => entry.record));
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
  return records;
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`the gateway killed with SIGKILL under load [${backend.name}]`, () => {
    it('leaves a record for every response a client received with data, and a chain that verifies', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'ledger-crash-'));
      // PGlite lives in the gateway's DATA_DIR; PostgreSQL gets a throwaway database.
      const database: TestDatabase | undefined = backend.name === 'postgres' ? await backend.createDatabase() : undefined;
      const databaseUrl = database?.ledgerOptions().databaseUrl;
      let ledger: Ledger | undefined;
      try {
        const gateway = await startGatewayProcess({
          DATA_DIR: dataDir,
          POPULATION_SEED: String(SEED),
          LEDGER_CHECKPOINT_MS: '500',
          ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
        });
        let exchanges: Exchange[];
        try {
          // The gateway made its local issuer's keys in DATA_DIR; tokens signed with them are what `npm run token` mints.
          const issuer = await ensureLocalIssuer(dataDir, defaultPolicy());
          const token = await issuer.sign({ sub: 'coordinator-7', agency: 'iom', role: 'iom-coordinator', azp: 'ledger-crash-suite' });
          const pncs = createPopulation({ seed: SEED, size: SIZE }).people.flatMap((p) => (p.identifiers.pnc ? [p.identifiers.pnc] : []));
          let turn = 0;
          const stop = new AbortController();
          const load = loadGateway({
            url: gateway.url,
            token,
            purpose: 'iom-case-management',
            clients: 20,
            signal: stop.signal,
            label: 'crash',
            next: () => {
              turn += 1;
              return { query: QUERIES[turn % QUERIES.length] as string, variables: { p: pncs[turn % pncs.length] } };
            },
          });
          await runFor({ minMs: LOAD.minMs, maxMs: LOAD.maxMs, enough: () => delivered(load.exchanges).length >= LOAD.responses });
          const exit = await gateway.stop('SIGKILL');
          stop.abort();
          await load.finished;
          exchanges = [...load.exchanges];
          expect(exit.signal).toBe('SIGKILL');
        } finally {
          await gateway.stop('SIGKILL');
        }

        ledger = await openLedger({ dataDir, checkpointIntervalMs: 0, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
        const records = await allRecords(ledger);
        const recorded = new Set(records.map((r) => r.requestId));
        const received = delivered(exchanges);

        expect(received.length, 'responses with data before the kill').toBeGreaterThanOrEqual(LOAD.responses);
        expect(
          exchanges.some((e) => e.status === null),
          'requests cut off by the kill',
        ).toBe(true);
        expect(received.filter((r) => r.echoed !== r.requestId)).toEqual([]);
        expect(received.filter((r) => !recorded.has(r.requestId)).map((r) => r.requestId)).toEqual([]);

        const report = await ledger.verify();
        expect(report).toMatchObject({ ok: true, checked: records.length });
        expect(report.checkpoints, 'checkpoints signed during the load').toBeGreaterThan(0);
      } finally {
        await ledger?.close();
        await database?.drop();
        await rm(dataDir, { recursive: true, force: true });
      }
    }, 120_000);
  });
}
