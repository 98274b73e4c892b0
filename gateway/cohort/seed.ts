/**
 * The embedded default's starting cohort: the synthetic population's selected members, entered into an empty
 * register so that `npm start` shows a living partnership. Recorded in the ledger as alterations of at most
 * SEED_MEMBERS_PER_RECORD members each, all under one request id: a large population's cohort stays within a
 * record's bounds (10,000 subjects), and each record stays small enough to hash, sign and read back quickly. Each
 * part is recorded, then entered; the population is streamed, never held (ADR 0155).
 */
import { randomUUID } from 'node:crypto';
import type { Population, SyntheticPerson } from '../../adapters/population/types.js';
import { recordedIdentifiers } from '../enforcement/index.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import type { Ledger } from '../ledger/index.js';
import type { CohortAction, CohortRegister } from './register.js';

export const SEED_MEMBERS_PER_RECORD = 1_000;

/** The selection the register records for one linked member of the population's cohort. */
function selectionOf(person: SyntheticPerson, linked: LinkedPerson): Extract<CohortAction, { action: 'select' }> | null {
  const officer = person.probation?.responsibleOfficer ?? person.police?.offenderManager;
  if (!person.cohort || !officer) return null;
  return {
    action: 'select',
    gatewayId: linked.id,
    strand: person.cohort.strand,
    scheme: person.cohort.scheme,
    serviceLevel: person.cohort.serviceLevel,
    leadProfessional: {
      name: officer.name,
      agency: person.probation ? 'probation' : 'police',
      team: officer.team,
      email: officer.email,
      phone: officer.phone,
    },
    selectedOn: person.cohort.selectedOn,
    reason: person.cohort.reason,
  };
}

async function linkedOf(person: SyntheticPerson, index: IdentityIndex): Promise<LinkedPerson | undefined> {
  return (
    (person.identifiers.crn && (await index.byIdentifier('crn', person.identifiers.crn))) ||
    (person.identifiers.pnc && (await index.byIdentifier('pnc', person.identifiers.pnc))) ||
    undefined
  );
}

/**
 * Reads the population once to find the members (their indexes only), then makes each part's people again from their
 * index: memory stays that of one part whatever the population's size, and a million people are read once.
 */
export async function seedCohort(
  register: CohortRegister,
  ledger: Ledger,
  population: Population,
  index: IdentityIndex,
  membersPerRecord = SEED_MEMBERS_PER_RECORD,
): Promise<number> {
  const members: number[] = [];
  for (const person of population) {
    const linked = person.cohort ? await linkedOf(person, index) : undefined;
    if (linked && selectionOf(person, linked)) members.push(person.index);
  }
  const requestId = randomUUID();
  if (members.length === 0 || !(await register.claimSeeding(requestId))) return 0;
  const parts = Math.ceil(members.length / membersPerRecord);
  for (let part = 0; part < parts; part++) {
    const selected: LinkedPerson[] = [];
    const selections: Extract<CohortAction, { action: 'select' }>[] = [];
    for (const at of members.slice(part * membersPerRecord, (part + 1) * membersPerRecord)) {
      const person = population.person(at);
      const linked = await linkedOf(person, index);
      const selection = linked && selectionOf(person, linked);
      if (!linked || !selection) continue;
      selected.push(linked);
      selections.push(selection);
    }
    // Recorded before it is made, like every change to the register.
    await ledger.append({
      occurredAt: new Date().toISOString(),
      principal: { userId: 'system:population-seed', displayName: 'Embedded default start-up', agency: 'iom', role: 'system' },
      purpose: 'iom-case-management',
      kind: 'alteration',
      subjects: selected.map((person) => ({ gatewayId: person.id, identifiers: recordedIdentifiers(person), disclosed: [], withheld: [] })),
      ispVersion: 'n/a',
      documentHash: 'cohort-register',
      operationName: 'cohort:seed',
      requestId,
      outcome: 'altered',
      alteration: {
        register: 'iom-cohort',
        action: 'seed',
        details: { members: selected.length, part: part + 1, parts, totalMembers: members.length, source: `synthetic population seed ${population.seed}` },
      },
    });
    await register.selectAll(selections, { actor: 'system:population-seed', requestId, at: new Date() });
  }
  return members.length;
}
