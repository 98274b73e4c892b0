/**
 * Invented ledger records for tests and the benchmark. Synthetic people and staff only.
 */
import { mintCro, mintPnc } from '../../schema/identifiers.js';
import type { DisclosureRecordInput, Subject } from './record.js';

/** A person numbered `n`, with valid partnership identifiers derived from the number. */
export function sampleSubject(n: number, overrides: Partial<Subject> = {}): Subject {
  const serial = String(n % 1_000_000).padStart(6, '0');
  return {
    gatewayId: `gw-${serial}`,
    identifiers: {
      pnc: mintPnc(2019, n % 10_000_000),
      cro: mintCro(n % 1_000_000, 2018),
      nomsNumber: `A${serial.slice(2)}BC`,
      crn: `X${serial}`,
    },
    inActiveCohort: true,
    disclosed: [{ dataItem: 'identity.name', path: 'person.name', clauseId: 'isp-2.1' }],
    withheld: [{ dataItem: 'drugs.treatment', path: 'person.drugs', reason: 'no recorded consent', clauseId: 'isp-4.2' }],
    ...overrides,
  };
}

/** A disclosure by an invented probation officer about person `n`, on a weekday mid-morning. */
export function sampleRecord(n: number, overrides: Partial<DisclosureRecordInput> = {}): DisclosureRecordInput {
  return {
    occurredAt: '2025-03-04T10:15:00.000Z',
    principal: {
      userId: 'u-po-0042',
      displayName: 'Sam Example (synthetic)',
      agency: 'probation',
      role: 'offender-manager',
      team: 'IOM North',
      clientApplication: 'case-tool',
    },
    purpose: 'offender-management',
    kind: 'disclosure',
    subjects: [sampleSubject(n)],
    ispVersion: '2025.1',
    operationName: 'PersonSummary',
    documentHash: 'a'.repeat(64),
    requestId: `req-${n}`,
    outcome: 'disclosed',
    ...overrides,
  };
}
