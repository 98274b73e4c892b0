/**
 * Look-ups by key that every request makes (a person by identifier, a cohort membership), taken together: keys
 * asked for while a read is in flight wait for it and go in the next one, so under load one statement answers
 * many requests, as the ledger's group commit does for writes. A key never joins a read already sent, so an answer
 * is never older than its question: a change committed before `load` is called is seen.
 */

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

/** Bounds one statement's key list; under load a read holds about as many keys as requests are waiting. */
const MAX_KEYS = 1_000;

export class SharedReads<V> {
  #waiting = new Map<string, Waiter<V>[]>();
  #reading = false;

  /** `read` answers the keys it was given that exist; a key it leaves out is answered `undefined`. */
  constructor(private readonly read: (keys: string[]) => Promise<ReadonlyMap<string, V>>) {}

  load(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
      if (!this.#reading) {
        this.#reading = true;
        void this.#drain();
      }
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

  async #drain(): Promise<void> {
    // One turn of the microtask queue first: the keys one request asks for together go in one read.
    await Promise.resolve();
    while (this.#waiting.size > 0) {
      const batch = new Map<string, Waiter<V>[]>();
      for (const [key, waiters] of this.#waiting) {
        if (batch.size === MAX_KEYS) break;
        batch.set(key, waiters);
      }
      for (const key of batch.keys()) this.#waiting.delete(key);
      try {
        const found = await this.read([...batch.keys()]);
        for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(key));
      } catch (error) {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.#reading = false;
  }
}
