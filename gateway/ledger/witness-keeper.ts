/**
 * A partner's copy of a gateway's checkpoints (`npm run ledger -- witness --from URL --out FILE`):
 * reads everything the gateway publishes at GET /ledger/checkpoints, checks it against the copy kept
 * so far, and appends what is new. A publisher that no longer shows a checkpoint it showed before,
 * or that signed two different heads for one record, has rewritten its history: nothing is appended
 * and the command says so.
 */
import { existsSync } from 'node:fs';
import type { JWK } from 'jose';
import { z } from 'zod';
import { type Checkpoint, checkpointVerifier } from './checkpoint.js';
import { appendLines, readWitnessFile, witnessEntrySchema, witnessLine } from './witness.js';

const publishedPageSchema = z.object({
  publicKey: z.looseObject({ kty: z.string() }),
  checkpoints: z.array(witnessEntrySchema),
  next: z.number().int().nonnegative().nullable(),
});

/** Stops a publisher that never says `next: null` from keeping the command going for ever. */
const MAX_PAGES = 100_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface KeepResult {
  /** 0 kept (whatever was new appended), 1 the publisher rewrote history, 2 it could not be read. */
  code: 0 | 1 | 2;
  message: string;
}

/** `publicKeys`: the keys to trust (from the gateway's operator); without them, the key the publisher shows. */
export async function keepWitness(options: { from: string; out: string; publicKeys?: readonly JWK[] }): Promise<KeepResult> {
  const kept = existsSync(options.out) ? await readWitnessFile(options.out) : [];
  let published: { publicKey: JWK; checkpoints: Checkpoint[] };
  try {
    published = await fetchAll(options.from);
  } catch (error) {
    return { code: 2, message: `Could not read checkpoints from ${options.from}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const verifier = await checkpointVerifier(options.publicKeys ?? [published.publicKey]);
  for (const [index, entry] of [...kept, ...published.checkpoints].entries()) {
    const where = index < kept.length ? `${options.out} line ${index + 1}` : `published checkpoint ${index - kept.length + 1}`;
    const checked = await verifier.check(entry.jws);
    if (!checked.ok) return { code: 1, message: `${where} (record ${entry.sequence}) does not verify: ${checked.reason}.` };
    const { sequence, hash, at } = checked.payload;
    if (sequence !== entry.sequence || hash !== entry.hash || at !== entry.at) {
      return { code: 1, message: `${where} (record ${entry.sequence}) disagrees with what was signed.` };
    }
  }
  const publishedJws = new Set(published.checkpoints.map((entry) => entry.jws));
  const vanished = kept.find((entry) => !publishedJws.has(entry.jws));
  if (vanished !== undefined) {
    return {
      code: 1,
      message: `The publisher rewrote its history: the checkpoint of record ${vanished.sequence} signed at ${vanished.at}, kept in ${options.out}, is no longer published. Nothing was appended; keep ${options.out} as evidence.`,
    };
  }
  const heads = new Map<number, Checkpoint>();
  for (const entry of [...kept, ...published.checkpoints]) {
    const other = heads.get(entry.sequence);
    if (other !== undefined && other.hash !== entry.hash) {
      return {
        code: 1,
        message: `The publisher rewrote its history: record ${entry.sequence} was signed with hash ${other.hash} at ${other.at} and with hash ${entry.hash} at ${entry.at}. Nothing was appended.`,
      };
    }
    heads.set(entry.sequence, entry);
  }
  const keptJws = new Set(kept.map((entry) => entry.jws));
  const fresh = published.checkpoints.filter((entry) => !keptJws.has(entry.jws));
  if (fresh.length > 0) await appendLines(options.out, fresh.map(witnessLine).join(''));
  const through = Math.max(0, ...[...kept, ...fresh].map((entry) => entry.sequence));
  return {
    code: 0,
    message: `${fresh.length} new checkpoint${fresh.length === 1 ? '' : 's'} kept in ${options.out}: ${kept.length + fresh.length} in all, up to record ${through}`,
  };
}

async function fetchAll(from: string): Promise<{ publicKey: JWK; checkpoints: Checkpoint[] }> {
  const base = new URL(from);
  const checkpoints: Checkpoint[] = [];
  let publicKey: JWK | undefined;
  let next: number | null = 0;
  for (let pages = 0; next !== null; pages++) {
    if (pages >= MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages`);
    const url = new URL(base);
    url.searchParams.set('from', String(next));
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status} from ${url.toString()}`);
    const page = publishedPageSchema.safeParse(await response.json().catch(() => undefined));
    if (!page.success) throw new Error(`${url.toString()} did not answer with {publicKey, checkpoints, next}`);
    if (publicKey !== undefined && JSON.stringify(publicKey) !== JSON.stringify(page.data.publicKey)) {
      throw new Error('the publisher changed its public key between pages');
    }
    publicKey = page.data.publicKey;
    checkpoints.push(...page.data.checkpoints);
    if (page.data.next !== null && page.data.next <= next) throw new Error(`${url.toString()} did not move on (next ${page.data.next})`);
    next = page.data.next;
  }
  if (publicKey === undefined) throw new Error('no page was read');
  return { publicKey, checkpoints };
}
