/**
 * The disclosure ledger: durable, hash-chained, append-only, signed at intervals.
 * Knows nothing of GraphQL or HTTP; the gateway hands it plain records.
 */
import { join } from 'node:path';
import type { JWK } from 'jose';
import { z } from 'zod';
import { type Checkpoint, type CheckpointSigner, type CheckpointVerifier, checkpointVerifier, loadSigner, writeCheckpoint } from './checkpoint.js';
import { LedgerUnavailableError } from './errors.js';
import { migrate } from './migrations.js';
import {
  type Alert,
  type AlertOptions,
  alerts,
  type LedgerFilter,
  type LedgerPage,
  type PageRequest,
  queryLedger,
  type SubjectAccessReport,
  subjectAccess,
} from './query.js';
import { type DisclosureRecordInput, parseRecord } from './record.js';
import { type LedgerStore, openStore } from './store.js';
import { type Link, type VerifyReport, verifyLedger } from './verify.js';
import { WITNESS_FILE, WitnessFileError, WitnessLog } from './witness.js';
import { type Appended, GroupCommitWriter, prepareRecord } from './writer.js';

export interface LedgerOptions {
  /** PostgreSQL connection string; without it the ledger is embedded PGlite under `<dataDir>/ledger`. */
  databaseUrl?: string;
  /** Where the embedded database and the generated signing key live. Default `data`. */
  dataDir?: string;
  /** A store already open (tests; sharing one PGlite). The ledger then leaves closing it to the caller. */
  store?: LedgerStore;
  /** How often the chain head is signed, if it moved. Default one minute; 0 signs only on close(). */
  checkpointIntervalMs?: number;
  /** The chain head is also signed once this many records have been written since the last checkpoint. Default 1000; 0 never. */
  checkpointEveryRecords?: number;
  /** The append-only file every checkpoint is also written to. Default `<dataDir>/ledger-witness.ndjson`. */
  witnessFile?: string;
  /** Private EC P-256 JWK for checkpoints. Default: `<dataDir>/ledger-signing-key.json`, created if absent. */
  signingKey?: JWK;
  /** Further public keys whose checkpoints verify() accepts (a previous key, another process's key). */
  trustedKeys?: JWK[];
  /** Told of failures no caller is waiting for (a checkpoint on the timer). Default: a process warning. */
  onError?: (error: Error) => void;
  /** Told the size of each committed batch (group commit), for metrics. */
  onBatchCommitted?: (records: number) => void;
}

export interface Ledger {
  /**
   * Resolves once the record is committed. Rejects with LedgerRecordError (a bad record: nothing
   * written) or LedgerUnavailableError (not recorded: the request must disclose nothing).
   */
  append(record: DisclosureRecordInput): Promise<Appended>;
  /** Signs the chain head now; null if there was nothing new to sign. */
  checkpoint(): Promise<Checkpoint | null>;
  /**
   * Recomputes the chain and holds it to every checkpoint, the database's and `witness`'s (checkpoints
   * kept outside the database). `incremental` goes on from the newest checkpoint an earlier call verified.
   */
  verify(options?: { witness?: readonly Checkpoint[]; incremental?: boolean }): Promise<VerifyReport>;
  /** The checkpoints in this ledger's own witness file, oldest first. */
  witnessed(): Promise<readonly Checkpoint[]>;
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
  checkpointEveryRecords: z.number().int().nonnegative().default(1_000),
  witnessFile: z.string().min(1).optional(),
});

export async function openLedger(options: LedgerOptions = {}): Promise<Ledger> {
  const { databaseUrl, dataDir, checkpointIntervalMs, checkpointEveryRecords, witnessFile } = optionsSchema.parse({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    checkpointIntervalMs: options.checkpointIntervalMs,
    checkpointEveryRecords: options.checkpointEveryRecords,
    witnessFile: options.witnessFile,
  });
  const ownedStore = options.store === undefined;
  const store = options.store ?? (await openStore(databaseUrl === undefined ? { dataDir } : { databaseUrl }));
  try {
    await migrate(store);
    const signer = await loadSigner({ signingKey: options.signingKey, dataDir });
    const verifier = await checkpointVerifier([signer.publicKey, ...(options.trustedKeys ?? [])]);
    const onError = options.onError ?? ((error: Error) => process.emitWarning(error.message, 'LedgerWarning'));
    const [latest] = await store.query('SELECT coalesce(max(sequence), 0) AS sequence FROM ledger_checkpoints');
    const witness = new WitnessLog(witnessFile ?? join(dataDir, WITNESS_FILE));
    await witness.open();
    return new DisclosureLedger(store, ownedStore, signer, verifier, witness, {
      checkpointIntervalMs,
      checkpointEveryRecords,
      lastCheckpoint: Number(latest?.sequence ?? 0),
      onError,
      onBatchCommitted: options.onBatchCommitted,
    });
  } catch (error) {
    if (ownedStore) await store.close();
    throw error;
  }
}

class DisclosureLedger implements Ledger {
  readonly #writer: GroupCommitWriter;
  readonly #timer: NodeJS.Timeout | undefined;
  #checkpointing: Promise<Checkpoint | null> | undefined;
  /** The newest record a checkpoint covers, as far as this process knows. */
  #lastCheckpoint: number;
  /** The newest record this process committed. */
  #lastCommitted = 0;
  readonly #checkpointEveryRecords: number;
  readonly #onError: (error: Error) => void;
  /** The newest checkpoint an earlier verify() found the chain agreeing with: where an incremental one starts. */
  #verifiedThrough: Link | undefined;
  #closed = false;

  constructor(
    private readonly store: LedgerStore,
    private readonly ownedStore: boolean,
    private readonly signer: CheckpointSigner,
    private readonly verifier: CheckpointVerifier,
    private readonly witness: WitnessLog,
    settings: {
      checkpointIntervalMs: number;
      checkpointEveryRecords: number;
      lastCheckpoint: number;
      onError: (error: Error) => void;
      onBatchCommitted?: (records: number) => void;
    },
  ) {
    this.#lastCheckpoint = settings.lastCheckpoint;
    this.#checkpointEveryRecords = settings.checkpointEveryRecords;
    this.#onError = settings.onError;
    this.#writer = new GroupCommitWriter(store, (last, records) => {
      settings.onBatchCommitted?.(records);
      this.#lastCommitted = Math.max(this.#lastCommitted, last.sequence);
      this.#checkpointIfDue();
    });
    if (settings.checkpointIntervalMs > 0) {
      this.#timer = setInterval(() => this.#checkpointInBackground(), settings.checkpointIntervalMs);
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
      this.#checkpointing ??= this.#signAndWitness().then(
        (checkpoint) => {
          this.#checkpointing = undefined;
          // Records committed while this one was being signed may already call for the next.
          if (checkpoint !== null) this.#checkpointIfDue();
          return checkpoint;
        },
        (error: unknown) => {
          this.#checkpointing = undefined;
          throw error;
        },
      );
      return this.#checkpointing;
    });
  }

  /** Every N records: signs when this process has committed N records past the newest checkpoint it knows of. */
  #checkpointIfDue(): void {
    const every = this.#checkpointEveryRecords;
    if (every > 0 && !this.#closed && this.#lastCommitted - this.#lastCheckpoint >= every) this.#checkpointInBackground();
  }

  #checkpointInBackground(): void {
    this.checkpoint().catch((error: unknown) => this.#onError(error instanceof Error ? error : new Error(String(error))));
  }

  /** Into the database first, then the witness: a line in the witness always names a committed head. */
  async #signAndWitness(): Promise<Checkpoint | null> {
    const committed = this.#lastCommitted;
    const checkpoint = await writeCheckpoint(this.store, this.signer);
    if (checkpoint === null) {
      // Another process's checkpoint already covers the head, and so everything this one had committed.
      this.#lastCheckpoint = Math.max(this.#lastCheckpoint, committed);
      return null;
    }
    this.#lastCheckpoint = Math.max(this.#lastCheckpoint, checkpoint.sequence);
    try {
      await this.witness.append(checkpoint);
    } catch (error) {
      throw new LedgerUnavailableError(`checkpoint ${checkpoint.sequence} was signed but not written to the witness file ${this.witness.path}`, {
        cause: error,
      });
    }
    return checkpoint;
  }

  verify(options: { witness?: readonly Checkpoint[]; incremental?: boolean } = {}): Promise<VerifyReport> {
    return this.#use(async () => {
      const resumeFrom = options.incremental === true ? this.#verifiedThrough : undefined;
      const { report, anchor } = await verifyLedger(this.store, this.verifier, {
        ...(options.witness === undefined ? {} : { witness: options.witness }),
        ...(resumeFrom === undefined ? {} : { resumeFrom }),
      });
      if (anchor !== undefined) this.#verifiedThrough = anchor;
      return report;
    });
  }

  witnessed(): Promise<readonly Checkpoint[]> {
    return this.#use(() => this.witness.entries());
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
      if (this.#writer.written > 0) await this.#signAndWitness();
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
      if (error instanceof WitnessFileError) throw new LedgerUnavailableError(error.message, { cause: error });
      throw new LedgerUnavailableError('the ledger database did not answer', { cause: error });
    }
  }
}
