/**
 * A subscription outlives the request that opened it, and so would the request's view of people: the identity
 * index of that moment, agency records cached in its loaders, subject facts (cohort membership, consent) and
 * policy decisions memoised at that instant. Each event is therefore judged through a view renewed for it, for
 * the same caller and declared purpose. What the view reads from the agencies and the register is read once per event
 * and shared by all its recipients; the ISP is still applied to each recipient.
 */
import type { Access } from '../enforcement/index.js';
import { type PersonView, personView, type ViewLoaders, type ViewSources, viewLoaders } from '../enforcement/index.js';

export type { PersonView, ViewSources };

/** A view for `access`, renewed for `event`: every recipient of one event shares what is read from agencies for it. */
export type RenewView = (access: Access, event: object) => PersonView;

export function viewRenewal(sources: ViewSources): RenewView {
  // Keyed by the event as published (one object for all its recipients); gone once the last recipient has it.
  const perEvent = new WeakMap<object, ViewLoaders>();
  return (previous, event) => {
    let loaders = perEvent.get(event);
    if (!loaders) {
      loaders = viewLoaders(sources);
      perEvent.set(event, loaders);
    }
    return personView(sources, previous, loaders);
  };
}
