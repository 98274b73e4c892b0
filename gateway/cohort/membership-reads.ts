/**
 * A request's reads of cohort register rows, by gateway id: batched and cached as a DataLoader's, and each row kept
 * once read, so that a scope check or `Person.iom` of someone whose row is already here (a listed page's people) is
 * answered at once rather than after a wait.
 */
import DataLoader from 'dataloader';
import type { CohortRegister, Membership } from './register.js';

export interface MembershipReads {
  load(gatewayId: string): Promise<Membership | null>;
  /** A row read some other way (a page of the register): later loads and `readNow` answer with it. */
  prime(gatewayId: string, membership: Membership | null): void;
  /** The row, if it is already read (null: no row); undefined if not yet. */
  readNow(gatewayId: string): Membership | null | undefined;
}

export function membershipReads(register: Pick<CohortRegister, 'memberships'>): MembershipReads {
  const read = new Map<string, Membership | null>();
  // Ids loaded or primed: a prime never overrides a read in flight, so `readNow` and `load` never disagree.
  const asked = new Set<string>();
  const loader = new DataLoader<string, Membership | null>(async (ids) => {
    const memberships = await register.memberships(ids);
    return ids.map((id) => {
      const row = memberships.get(id) ?? null;
      read.set(id, row);
      return row;
    });
  });
  return {
    load(gatewayId) {
      asked.add(gatewayId);
      return loader.load(gatewayId);
    },
    prime(gatewayId, membership) {
      if (asked.has(gatewayId)) return;
      asked.add(gatewayId);
      loader.prime(gatewayId, membership);
      read.set(gatewayId, membership);
    },
    readNow: (gatewayId) => read.get(gatewayId),
  };
}
