/**
 * The embedded default's starting cohort: the synthetic population's selected members, entered into an empty
 * register so that `npm start` shows a living partnership. Recorded in the ledger as alterations of at most
 * SEED_MEMBERS_PER_RECORD members each, all under one request id: a large population's cohort stays within a
 * record's bounds (10,000 subjects), and each record stays small enough to hash, sign and read back quickly.
 */
import { randomUUID } from 'node:crypto';
import type { Population } from '../../adapters/population/types.js';
import { recordedIdentifiers } from '../enforcement/index.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import type { Ledger } from '../ledger/index.js';
import type { CohortAction, CohortRegister } from './register.js';

export const SEED_MEMBERS_PER_RECORD = 1_000;

export async function seedCohort(
  register: CohortRegister,
  ledger: Ledger,
  population: Population,
  index: IdentityIndex,
  membersPerRecord = SEED_MEMBERS_PER_RECORD,
): Promise<number> {
  const selections: Extract<CohortAction, { action: 'select' }>[] = [];
  const selected: LinkedPerson[] = [];
  for (const person of population.people) {
    if (!person.cohort) continue;
    const linked =
      (person.identifiers.crn && (await index.byIdentifier('crn', person.identifiers.crn))) ||
      (person.identifiers.pnc && (await index.byIdentifier('pnc', person.identifiers.pnc)));
    if (!linked) continue;
    const officer = person.probation?.responsibleOfficer ?? person.police?.offenderManager;
    if (!officer) continue;
    selected.push(linked);
    selections.push({
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
    });
  }
  const requestId = randomUUID();
  if (selections.length === 0 || !(await register.claimSeeding(requestId))) return 0;
  // Recorded before it is made, like every change to the register.
  const parts = Math.ceil(selected.length / membersPerRecord);
  for (let part = 0; part < parts; part++) {
    const members = selected.slice(part * membersPerRecord, (part + 1) * membersPerRecord);
    await ledger.append({
      occurredAt: new Date().toISOString(),
      principal: { userId: 'system:population-seed', displayName: 'Embedded default start-up', agency: 'iom', role: 'system' },
      purpose: 'iom-case-management',
      kind: 'alteration',
      subjects: members.map((person) => ({ gatewayId: person.id, identifiers: recordedIdentifiers(person), disclosed: [], withheld: [] })),
      ispVersion: 'n/a',
      documentHash: 'cohort-register',
      operationName: 'cohort:seed',
      requestId,
      outcome: 'altered',
      alteration: {
        register: 'iom-cohort',
        action: 'seed',
        details: { members: members.length, part: part + 1, parts, totalMembers: selections.length, source: `synthetic population seed ${population.seed}` },
      },
    });
  }
  await register.selectAll(selections, { actor: 'system:population-seed', requestId, at: new Date() });
  return selections.length;
}
