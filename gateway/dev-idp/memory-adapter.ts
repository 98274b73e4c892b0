/**
 * The development provider's storage: sessions, interactions, codes and grants in this process's memory, expiring
 * as oidc-provider asks. Development only: a restart signs everyone out of the provider, nothing more.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Stored {
  payload: AdapterPayload;
  expiresAt: number;
}

/** One provider's adapters: a store per model (Session, Grant, ...), shared by every adapter the provider makes for it. */
export function memoryAdapters(): (model: string) => Adapter {
  const stores = new Map<string, Map<string, Stored>>();
  return (model) => {
    const store = stores.get(model) ?? new Map<string, Stored>();
    stores.set(model, store);
    return new MemoryAdapter(store);
  };
}

class MemoryAdapter implements Adapter {
  readonly #store: Map<string, Stored>;

  constructor(store: Map<string, Stored>) {
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.#store.set(id, { payload, expiresAt: Date.now() + expiresIn * 1_000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = this.#store.get(id);
    if (stored === undefined) return undefined;
    if (stored.expiresAt <= Date.now()) {
      this.#store.delete(id);
      return undefined;
    }
    return stored.payload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findBy((payload) => payload.userCode === userCode);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findBy((payload) => payload.uid === uid);
  }

  async consume(id: string): Promise<void> {
    const stored = this.#store.get(id);
    if (stored) stored.payload.consumed = Math.floor(Date.now() / 1_000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, stored] of this.#store) if (stored.payload.grantId === grantId) this.#store.delete(id);
  }

  async #findBy(test: (payload: AdapterPayload) => boolean): Promise<AdapterPayload | undefined> {
    for (const [id] of this.#store) {
      const payload = await this.find(id);
      if (payload !== undefined && test(payload)) return payload;
    }
    return undefined;
  }
}
