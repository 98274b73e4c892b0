/**
 * Whether one recipient may receive one event: the person must be in their scope and the ISP must let them
 * receive the event's data item about that person, for their declared purpose. Otherwise they are not told the
 * event exists, since its existence is itself information.
 */
import type { Access } from '../enforcement/index.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import type { CohortEvent } from './store.js';

/** An event this recipient may receive, with the person and the clause that shares it. */
export interface Delivery {
  kind: 'event';
  event: CohortEvent;
  person: LinkedPerson;
  clauseId: string;
}

export async function deliverable(view: { index: IdentityIndex; access: Access }, event: CohortEvent): Promise<Delivery | null> {
  const person = await view.index.byId(event.gatewayId);
  if (!person || !(await view.access.visible(person))) return null;
  const decision = await view.access.decide(person, event.dataItem);
  return decision.allowed ? { kind: 'event', event, person, clauseId: decision.clauseId } : null;
}
