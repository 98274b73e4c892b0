/**
 * The disclosure ledger: durable, hash-chained, append-only, signed at intervals.
 * Knows nothing of GraphQL or HTTP; the gateway hands it plain records.
 */
import type { JWK } from 'jose';
import { z } from 'zod';
import {
  checkpointVerifier,
  loadSigner,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointSigner,
  type CheckpointVerifier,
} from './checkpoint.js';
import { LedgerUnavailableError } from './errors.js';
import { migrate } from './migrations.js';
import {
  alerts,
  queryLedger,
  subjectAccess,
  type Alert,
  type AlertOptions,
  type LedgerFilter,
  type LedgerPage,
  type PageRequest,
  type SubjectAccessReport,
} from './query.js';
import { parseRecord, type DisclosureRecordInput } from './record.js';
import { openStore, type LedgerStore } from './store.js';
import { verifyLedger, type VerifyReport } from './verify.js';
import { GroupCommitWriter, prepareRecord, type Appended } from './writer.js';

export interface LedgerOptions {
  /** PostgreSQL connection string; without it the ledger is embedded PGlite under `<dataDir>/ledger`. */
  databaseUrl?: string;
  /** Where the embedded database and the generated signing key live. Default `data`. */
  dataDir?: string;
  /** A store already open (tests; sharing one PGlite). The ledger then leaves closing it to the caller. */
  store?: LedgerStore;
  /** How often the chain head is signed, if it moved. Default one minute; 0 signs only on close(). */
  checkpointIntervalMs?: number;
  /** Private EC P-256 JWK for checkpoints. Default: `<dataDir>/ledger-signing-key.json`, created if absent. */
  signingKey?: JWK;
  /** Further public keys whose checkpoints verify() accepts (a previous key, another process's key). */
  trustedKeys?: JWK[];
  /** Told of failures no caller is waiting for (a checkpoint on the timer). Default: a process warning. */
  onError?: (error: Error) => void;
}

export interface Ledger {
  /**
   * Resolves once the record is committed. Rejects with LedgerRecordError (a bad record: nothing
   * written) or LedgerUnavailableError (not recorded: the request must disclose nothing).
   */
  append(record: DisclosureRecordInput): Promise<Appended>;
  /** Signs the chain head now; null if there was nothing new to sign. */
  checkpoint(): Promise<Checkpoint | null>;
  verify(): Promise<VerifyReport>;
  query(filter?: LedgerFilter, page?: PageRequest): Promise<LedgerPage>;
  subjectAccess(gatewayId: string): Promise<SubjectAccessReport>;
  /** `from` inclusive, `to` exclusive, ISO 8601 with offset. */
  alerts(from: string, to: string, options?: AlertOptions): Promise<Alert[]>;
  /** The checkpoint key's public half, for verifiers outside the gateway. */
  readonly publicKey: JWK;
  /** Waits for pending appends, signs a final checkpoint if this ledger wrote anything, closes the database. */
  close(): Promise<void>;
}

const optionsSchema = z.object({
  databaseUrl: z.string().min(1).optional(),
  dataDir: z.string().min(1).default('data'),
  checkpointIntervalMs: z.number().int().nonnegative().default(60_000),
});

export async function openLedger(options: LedgerOptions = {}): Promise<Ledger> {
  const { databaseUrl, dataDir, checkpointIntervalMs } = optionsSchema.parse({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    checkpointIntervalMs: options.checkpointIntervalMs,
  });
  const ownedStore = options.store === undefined;
  const store = options.store ?? (await openStore(databaseUrl === undefined ? { dataDir } : { databaseUrl }));
  try {
    await migrate(store);
    const signer = await loadSigner({ signingKey: options.signingKey, dataDir });
    const verifier = await checkpointVerifier([signer.publicKey, ...(options.trustedKeys ?? [])]);
    const onError = options.onError ?? ((error: Error) => process.emitWarning(error.message, 'LedgerWarning'));
    return new DisclosureLedger(store, ownedStore, signer, verifier, checkpointIntervalMs, onError);
  } catch (error) {
    if (ownedStore) await store.close();
    throw error;
  }
}

class DisclosureLedger implements Ledger {
  readonly #writer: GroupCommitWriter;
  readonly #timer: NodeJS.Timeout | undefined;
  #checkpointing: Promise<Checkpoint | null> | undefined;
  #closed = false;

  constructor(
    private readonly store: LedgerStore,
    private readonly ownedStore: boolean,
    private readonly signer: CheckpointSigner,
    private readonly verifier: CheckpointVerifier,
    checkpointIntervalMs: number,
    onError: (error: Error) => void,
  ) {
    this.#writer = new GroupCommitWriter(store);
    if (checkpointIntervalMs > 0) {
      this.#timer = setInterval(() => {
        this.checkpoint().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
      }, checkpointIntervalMs);
      // The timer alone must not keep a process alive.
      this.#timer.unref();
    }
  }

  get publicKey(): JWK {
    return this.signer.publicKey;
  }

  async append(record: DisclosureRecordInput): Promise<Appended> {
    this.#open();
    return this.#writer.write(prepareRecord(parseRecord(record)));
  }

  checkpoint(): Promise<Checkpoint | null> {
    return this.#use(() => {
      // One checkpoint at a time: the timer and an explicit call must not sign twice.
      this.#checkpointing ??= writeCheckpoint(this.store, this.signer).finally(() => {
        this.#checkpointing = undefined;
      });
      return this.#checkpointing;
    });
  }

  verify(): Promise<VerifyReport> {
    return this.#use(() => verifyLedger(this.store, this.verifier));
  }

  query(filter?: LedgerFilter, page?: PageRequest): Promise<LedgerPage> {
    return this.#use(() => queryLedger(this.store, filter, page));
  }

  subjectAccess(gatewayId: string): Promise<SubjectAccessReport> {
    return this.#use(() => subjectAccess(this.store, gatewayId));
  }

  alerts(from: string, to: string, options?: AlertOptions): Promise<Alert[]> {
    return this.#use(() => alerts(this.store, from, to, options));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#writer.idle();
    try {
      // A timer checkpoint's failure was reported through onError already.
      await this.#checkpointing?.catch(() => null);
      if (this.#writer.written > 0) await writeCheckpoint(this.store, this.signer);
    } finally {
      if (this.ownedStore) await this.store.close();
    }
  }

  #open(): void {
    if (this.#closed) throw new LedgerUnavailableError('the ledger has been closed');
  }

  /** A database failure becomes LedgerUnavailableError; a malformed argument (ZodError) stays the caller's. */
  async #use<T>(work: () => Promise<T>): Promise<T> {
    this.#open();
    try {
      return await work();
    } catch (error) {
      if (error instanceof z.ZodError || error instanceof LedgerUnavailableError) throw error;
      throw new LedgerUnavailableError('the ledger database did not answer', { cause: error });
    }
  }
}
