/**
 * What an event discloses: each kind of event is the news of a new entry in one agency record, so a recipient
 * receives it only where the ISP lets them receive that record's data item about that person.
 */
import type { AgencyEventType } from '../../adapters/kit/contract.js';

export const EVENT_DATA_ITEMS: Readonly<Record<AgencyEventType, { agency: string; dataItem: string }>> = {
  arrest: { agency: 'police', dataItem: 'police.arrests' },
  charge: { agency: 'police', dataItem: 'police.charges' },
  'court-outcome': { agency: 'police', dataItem: 'police.courtOutcomes' },
  release: { agency: 'prison', dataItem: 'prison.custodyStatus' },
  breach: { agency: 'probation', dataItem: 'probation.compliance' },
  'accommodation-lost': { agency: 'housing', dataItem: 'housing.accommodationStatus' },
  'positive-drug-test': { agency: 'drugs', dataItem: 'drugs.testOnArrest' },
};
