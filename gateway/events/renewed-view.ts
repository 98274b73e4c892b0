/**
 * A subscription outlives the request that opened it, and so would the request's view of people: the identity
 * index of that moment, agency records cached in its loaders, subject facts (cohort membership, consent) and
 * policy decisions memoised at that instant. Each event is therefore judged through a view renewed for it, for
 * the same caller and declared purpose.
 */
import type { Access } from '../access.js';
import { type PersonView, personView, type ViewSources } from '../person-view.js';

export type { PersonView, ViewSources };

export type RenewView = (access: Access) => PersonView;

export function viewRenewal(sources: ViewSources): RenewView {
  return (previous) => personView(sources, previous);
}
