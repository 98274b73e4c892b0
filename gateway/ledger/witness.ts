/**
 * The witness: every signed checkpoint is also appended, as one JSON line, to a file outside the
 * database. A database superuser can delete checkpoint rows and rewrite the chain; they cannot
 * unwrite a line that a verifier has already copied away, nor sign a new one without the key.
 * `verify --witness FILE` holds the chain to every checkpoint the file kept.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { type Checkpoint, checkpointPayloadSchema } from './checkpoint.js';

export const WITNESS_FILE = 'ledger-witness.ndjson';

/** One line of a witness file; `jws` is the authority, the other fields are read from it for people. */
export const witnessEntrySchema = checkpointPayloadSchema.extend({
  keyId: z.string().min(1).max(200),
  jws: z.string().min(1).max(4_000),
});

export class WitnessFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WitnessFileError';
  }
}

/**
 * The checkpoints in a witness file's text. A last line without its newline is a torn append (the
 * writer stopped mid-line) and is left out; any other line that is not a checkpoint is an error.
 */
export function parseWitness(text: string, source: string): Checkpoint[] {
  const lines = text.split('\n');
  const complete = lines.slice(0, -1);
  return complete.flatMap((line, index) => {
    if (line.trim() === '') return [];
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new WitnessFileError(`${source} line ${index + 1} is not JSON: a witness file holds one checkpoint per line.`);
    }
    const parsed = witnessEntrySchema.safeParse(value);
    if (!parsed.success) {
      throw new WitnessFileError(`${source} line ${index + 1} is not a checkpoint {sequence, hash, at, keyId, jws}.`);
    }
    return [parsed.data];
  });
}

export async function readWitnessFile(path: string): Promise<Checkpoint[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'there is no such file' : String(error);
    throw new WitnessFileError(`Cannot read the witness file ${path}: ${reason}.`);
  }
  return parseWitness(text, path);
}

export function witnessLine(checkpoint: Checkpoint): string {
  const { sequence, hash, at, keyId, jws } = checkpoint;
  return `${JSON.stringify({ sequence, hash, at, keyId, jws })}\n`;
}

/** Appends lines and flushes them to the disk before resolving. */
export async function appendLines(path: string, text: string): Promise<void> {
  const handle = await open(path, 'a', 0o644);
  try {
    await handle.write(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * The gateway's own witness file: appended once per checkpoint, and read back (following whatever
 * else appended to it, the CLI's `checkpoint` say) for `GET /ledger/checkpoints`.
 */
export class WitnessLog {
  #appending: Promise<void> = Promise.resolve();
  #entries: Checkpoint[] = [];
  #offset = 0;

  constructor(readonly path: string) {}

  /** Creates the file if need be, so that a witness that cannot be written stops start-up rather than every checkpoint. */
  async open(): Promise<void> {
    try {
      await (await open(this.path, 'a', 0o644)).close();
    } catch (error) {
      throw new WitnessFileError(`The ledger witness file ${this.path} cannot be written: ${error instanceof Error ? error.message : String(error)}.`);
    }
  }

  append(checkpoint: Checkpoint): Promise<void> {
    // One append at a time, so that lines never interleave within this process.
    const appended = this.#appending.then(() => appendLines(this.path, witnessLine(checkpoint)));
    this.#appending = appended.catch(() => undefined);
    return appended;
  }

  /** Every checkpoint in the file, in the order they were appended. */
  async entries(): Promise<readonly Checkpoint[]> {
    const size = await stat(this.path).then(
      (stats) => stats.size,
      (error: unknown) => {
        if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return 0;
        throw error;
      },
    );
    // A file that shrank was replaced: read it again whole, so that what is published is what it holds.
    if (size < this.#offset) {
      this.#entries = [];
      this.#offset = 0;
    }
    if (size === this.#offset) return this.#entries;
    const handle = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(size - this.#offset);
      await handle.read(buffer, 0, buffer.length, this.#offset);
      const text = buffer.toString('utf8');
      const complete = text.lastIndexOf('\n') + 1;
      this.#entries.push(...parseWitness(text.slice(0, complete), this.path));
      this.#offset += Buffer.byteLength(text.slice(0, complete));
    } finally {
      await handle.close();
    }
    return this.#entries;
  }
}
