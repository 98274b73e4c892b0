/**
 * Tests' identity indexes over given records: each agency's records served as one page of its change feed, and
 * linked by the directory as the gateway links them at first start.
 */
import { PGlite } from '@electric-sql/pglite';
import type { IdentityChangePage, IdentityRecord } from '../../adapters/kit/contract.js';
import { type LedgerStore as Database, pgliteStore } from '../ledger/store.js';
import { IdentityDirectory } from './directory.js';
import type { IdentityIndex } from './index-of-people.js';

/** One page holding every record: a feed whose start is its whole. */
export function wholeFeed(records: readonly IdentityRecord[]): { identityChanges(after: string | null): Promise<IdentityChangePage> } {
  return { identityChanges: async () => ({ changes: records.map((record) => ({ key: record.key, record })), cursor: 'end', more: false }) };
}

/** The index of `records` on `database`, whatever identity index it held before. Agencies in order of first appearance. */
export async function indexOver(database: Database, records: readonly IdentityRecord[]): Promise<IdentityIndex> {
  await forgetIdentities(database);
  const agencies = [...new Set(records.map((r) => r.agency))];
  const directory = await IdentityDirectory.open(
    database,
    agencies.map((agency) => ({ agency, adapter: wholeFeed(records.filter((r) => r.agency === agency)) })),
  );
  await directory.refresh();
  return directory.current();
}

/** The index of `records` in a database of its own (embedded, in memory). */
export async function indexOf(records: readonly IdentityRecord[]): Promise<IdentityIndex> {
  return indexOver(pgliteStore(await PGlite.create()), records);
}

/** Empties the identity index of `database`, if it has one, for a test that starts from nothing. */
export async function forgetIdentities(database: Database): Promise<void> {
  const exists = await database.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'identity_records'");
  if (exists.length > 0)
    await database.exec('TRUNCATE identity_records, identity_value_counts, identity_people, identity_links_history, identity_feeds, identity_arrivals');
}
