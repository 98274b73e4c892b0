/**
 * The synthetic load the ledger benchmarks fill a ledger with (bench-ledger.ts, bench-console.ts): N disclosures
 * through the real append path, about 20,000 people by 500 users over a year from 2025-01-06, one busy person with
 * up to 3,000 entries.
 */
import { performance } from 'node:perf_hooks';
import { agencyNames } from '../adapters/registry.js';
import { sampleRecord, sampleSubject } from '../gateway/ledger/fixtures.js';
import type { DisclosureRecordInput, Ledger } from '../gateway/ledger/index.js';

const PEOPLE = 20_000;
const USERS = 500;
const YEAR_MS = 365 * 24 * 3_600_000;

export function ledgerLoad(records: number) {
  const BUSY_PERSON = 999_999;
  const busyEntries = Math.min(3_000, Math.floor(records / 10));
  const busyEvery = Math.floor(records / busyEntries);
  const start = Date.parse('2025-01-06T09:00:00.000Z');

  /** Record n: a disclosure about one person by one of 500 users, spread over a year; every busyEvery-th is about the busy person. */
  function loadRecord(n: number): DisclosureRecordInput {
    const person = n % busyEvery === 0 && n / busyEvery <= busyEntries ? BUSY_PERSON : (n * 7_919) % PEOPLE;
    const user = (n * 104_729) % USERS;
    const agency = agencyNames[user % agencyNames.length] as string;
    return sampleRecord(n, {
      occurredAt: new Date(start + Math.floor((n / records) * YEAR_MS)).toISOString(),
      principal: { userId: `u-${String(user).padStart(4, '0')}`, displayName: `User ${user} (synthetic)`, agency, role: `${agency}-officer` },
      subjects: [sampleSubject(person)],
      requestId: `bench-${n}`,
    });
  }

  return { BUSY_PERSON, loadRecord, end: new Date(start + YEAR_MS) };
}

/** Wall time, and this process's CPU time: on a shared machine the second says how much was ours. */
export const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> => {
  const begun = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - begun, cpuMs: (used.user + used.system) / 1_000 };
};

/** Appends records 1..N, `concurrency` at a time, reporting progress every 100,000. */
export async function fillLedger(ledger: Ledger, records: number, concurrency: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const { loadRecord } = ledgerLoad(records);
  const latencies: number[] = [];
  let next = 1;
  const begun = performance.now();
  let reported = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next <= records) {
        const n = next++;
        const asked = performance.now();
        await ledger.append(loadRecord(n));
        latencies.push(performance.now() - asked);
        if (latencies.length - reported >= 100_000) {
          reported = latencies.length;
          console.log(`  ${reported} records appended (${Math.round(reported / ((performance.now() - begun) / 1_000))}/s)`);
        }
      }
    }),
  );
  const seconds = (performance.now() - begun) / 1_000;
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] ?? Number.NaN;
  return { perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}
