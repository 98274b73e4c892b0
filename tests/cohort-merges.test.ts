/**
 * A cohort member whose gateway id is merged into another person's (an agency's change feed gives a record the PNC ID
 * of someone already known) stays a member, as the survivor: over HTTP, under the partnership's own ISP, on embedded
 * PGlite and on PostgreSQL. The move is recorded in the ledger by the system and shows in the member's history.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERGE_ACTOR } from '../gateway/cohort/merges.js';
import type { LinkedPerson } from '../gateway/identity/link.js';
import { BACKENDS, type TestDatabase } from '../gateway/ledger/test-backends.js';
import { amendIdentity, type Caller, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

const HOUSING_OFFICER: Caller = { role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management' };
const LEAD = { name: 'Morgan Mergetest', agency: 'probation', team: 'Northshire North PDU', email: 'morgan.mergetest@probation.example' };

const SELECT = /* GraphQL */ `
  mutation Select($input: SelectForCohortInput!) {
    selectForCohort(input: $input) { id iom { active } }
  }
`;
const IOM = /* GraphQL */ `
  query Iom($id: ID) {
    person(id: $id) {
      id
      iom { strand serviceLevel selectedOn active leadProfessional { name } history { action description reason by } }
    }
  }
`;
const LISTED = /* GraphQL */ `
  query Listed($lead: String) {
    cohort(leadProfessional: $lead, first: 10) { totalCount edges { cursor node { id } } }
  }
`;

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`a cohort member merged into another person [${backend.name}]`, () => {
    let system: TestSystem;
    let database: TestDatabase | undefined;
    /** Police's nominal, with a PNC ID, whom no other agency knows. */
    let nominal: LinkedPerson;
    /** A housing tenant no other agency knows, selected for the cohort, who turns out to be the nominal. */
    let tenant: LinkedPerson;

    beforeAll(async () => {
      database = backend.name === 'postgres' ? await backend.createDatabase() : undefined;
      system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 2_000, databaseUrl: database?.ledgerOptions().databaseUrl });
      const index = system.directory.current();
      const [police, housing] = await Promise.all([index.peopleHeldBy('police', null, 500), index.peopleHeldBy('housing', null, 500)]);
      const found = police.find((person) => person.identifiers.pnc !== undefined && person.records.every((r) => r.agency === 'police'));
      const alone = housing.find((person) => person.records.every((r) => r.agency === 'housing') && person.identifiers.pnc === undefined);
      if (!found || !alone) throw new Error('the population has no such pair');
      [nominal, tenant] = [found, alone];
    }, 120_000);

    afterAll(async () => {
      await system?.close();
      await database?.drop();
    });

    const iomOf = async (id: string, caller?: Caller) => {
      const { status, body } = await system.query(IOM, { id }, caller);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      return body.data?.person as {
        id: string;
        iom: { selectedOn: string; active: boolean; history: { action: string; by: string; description: string }[] } | null;
      } | null;
    };

    /** The tenant selected, then merged into the nominal: done once, by whichever test comes first, so each runs alone too. */
    let selecting: Promise<void> | undefined;
    let merging: Promise<void> | undefined;
    const selected = () => {
      selecting ??= (async () => {
        const { body } = await system.query(SELECT, {
          input: { personId: tenant.id, strand: 'FLEX', serviceLevel: 'MEDIUM', leadProfessional: LEAD, selectedOn: '2026-10-20', reason: 'Panel agreed.' },
        });
        expect(body.errors).toBeUndefined();
      })();
      return selecting;
    };
    const merged = () => {
      merging ??= (async () => {
        await selected();
        const held = tenant.records[0];
        if (!held) throw new Error('the tenant has no record');
        expect(await amendIdentity(system, 'housing', { ...held, identifiers: { ...held.identifiers, pnc: nominal.identifiers.pnc } })).toBe(201);
        await system.directory.refresh();
      })();
      return merging;
    };

    it('shows the tenant’s membership on the survivor once housing’s feed gives the tenant the nominal’s PNC ID', async () => {
      await selected();
      // The nominal is nobody's member yet: out of an active-cohort role's scope, and without membership.
      expect(await iomOf(nominal.id, HOUSING_OFFICER)).toBeNull();
      expect((await iomOf(nominal.id))?.iom).toBeNull();

      await merged();

      // The earlier-created nominal survives; asked for by either id, the person is a member, and so in scope.
      for (const id of [nominal.id, tenant.id]) {
        const person = await iomOf(id);
        expect(person?.id).toBe(nominal.id);
        expect(person?.iom).toMatchObject({ selectedOn: '2026-10-20', active: true });
        expect((await iomOf(id, HOUSING_OFFICER))?.id).toBe(nominal.id);
      }
      // /ready shows how far the register has followed the index's link changes, and that it is not stuck.
      const ready = await request(system.app).get('/ready');
      expect(ready.body.cohortMerges).toMatchObject({ followedTo: expect.any(Number), error: null });
      expect(ready.body.cohortMerges.followedTo).toBe(ready.body.cohortMerges.latest);
      const listed = await system.query(LISTED, { lead: 'Mergetest' });
      expect(listed.body.errors).toBeUndefined();
      expect(listed.body.data?.cohort).toEqual({ totalCount: 1, edges: [{ cursor: nominal.id, node: { id: nominal.id } }] });
    });

    it('shows the move in the member’s history, and the ledger holds the system’s record of it', async () => {
      await merged();
      const history = (await iomOf(nominal.id))?.iom?.history ?? [];
      expect(history.map((line) => [line.action, line.by])).toEqual([
        ['SELECTED', 'iom-coordinator-1'],
        ['MERGED', MERGE_ACTOR],
      ]);
      expect(history[1]?.description).toBe(`The identity index found ${tenant.id} to be this person; the membership moved here with its history.`);

      const records = (await system.ledger.query({ kind: 'alteration', gatewayId: nominal.id }, { limit: 100 })).entries.map((entry) => entry.record);
      const moves = records.filter((record) => record.alteration?.action === 'merge');
      expect(moves).toHaveLength(1);
      expect(moves[0]).toMatchObject({
        principal: { userId: MERGE_ACTOR, role: 'system' },
        outcome: 'altered',
        subjects: [
          { gatewayId: nominal.id, identifiers: { pnc: nominal.identifiers.pnc } },
          { gatewayId: tenant.id, identifiers: { pnc: nominal.identifiers.pnc } },
        ],
        alteration: { register: 'iom-cohort', action: 'merge', details: { mergedFrom: tenant.id, into: nominal.id } },
      });
      // The history's line names the ledger record's request.
      const [line] = ((await system.register.history([nominal.id])).get(nominal.id) ?? []).filter((change) => change.action === 'merge');
      expect(line?.requestId).toBe(moves[0]?.requestId);
    });
  });
}
