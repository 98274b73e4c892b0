/**
 * Look-ups by key that every request makes (a person by identifier or gateway id, a cohort membership), taken
 * together: keys asked for while a read is in flight wait for it and go in the next one, so under load one statement
 * answers many requests, as the ledger's group commit does for writes. A key never joins a read already sent, so an
 * answer is never older than its question: a change committed before `load` is called is seen.
 * A full batch waiting does not queue behind the read in flight: up to MAX_READS run at once, so a burst of keys is
 * read in parallel rather than one statement after another.
 */

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

/** Bounds one statement's key list; under load a read holds about as many keys as requests are waiting. */
const MAX_KEYS = 1_000;
/** Reads in flight at once, below the database pool's connections so other statements still get one. */
const MAX_READS = 4;

export class SharedReads<V> {
  #waiting = new Map<string, Waiter<V>[]>();
  #reads = 0;
  #scheduled = false;

  /**
   * `read` answers the keys it was given that exist; a key it leaves out is answered `undefined`. It must settle:
   * every read here goes through the database's own deadline (database/availability.ts).
   */
  constructor(private readonly read: (keys: string[]) => Promise<ReadonlyMap<string, V>>) {}

  load(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
      this.#next();
    });
  }

  /** The values of these keys, the unknown absent. */
  async loadMany(keys: readonly string[]): Promise<Map<string, V>> {
    const values = await Promise.all(keys.map((key) => this.load(key)));
    const found = new Map<string, V>();
    keys.forEach((key, i) => {
      const value = values[i];
      if (value !== undefined) found.set(key, value);
    });
    return found;
  }

  /** Starts a read when none is in flight, or when a full batch waits and another read may start. */
  #next(): void {
    if (this.#scheduled || this.#waiting.size === 0) return;
    if (this.#reads > 0 && (this.#waiting.size < MAX_KEYS || this.#reads >= MAX_READS)) return;
    this.#scheduled = true;
    // One turn of the microtask queue first: the keys one request asks for together go in one read.
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#send();
    });
  }

  #send(): void {
    const batch = new Map<string, Waiter<V>[]>();
    for (const [key, waiters] of this.#waiting) {
      if (batch.size === MAX_KEYS) break;
      batch.set(key, waiters);
    }
    if (batch.size === 0) return;
    for (const key of batch.keys()) this.#waiting.delete(key);
    this.#reads += 1;
    this.read([...batch.keys()])
      .then(
        (found) => {
          for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(key));
        },
        (error: unknown) => {
          for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        this.#reads -= 1;
        this.#next();
      });
    // More than a batch may still wait.
    this.#next();
  }
}
