import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { IdentityChangePage, IdentityRecord } from '../../adapters/kit/contract.js';
import { mintPnc } from '../../schema/identifiers.js';
import { IdentityDirectory } from '../identity/directory.js';
import { forgetIdentities } from '../identity/fixtures.js';
import { type Ledger, openLedger } from '../ledger/ledger.js';
import type { SqlClient } from '../ledger/store.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { CohortMerges, MERGE_ACTOR, SPLIT_ACTOR } from './merges.js';
import { CohortRegister } from './register.js';

const lead = { name: 'Philip Moore', agency: 'probation' as const, team: 'North IOM', email: 'p.moore@probation.example' };
const by = { actor: 'coordinator-1', requestId: 'select-1', at: new Date() };

/** An agency's change feed: every change ever made, served from the position after the cursor. */
class Feed {
  private readonly log: { key: string; record: IdentityRecord }[] = [];
  constructor(readonly agency: string) {}
  hold(key: string, identifiers: IdentityRecord['identifiers']): void {
    this.log.push({ key, record: { agency: this.agency, key, identifiers, givenName: 'Jonathan', familyName: 'Smith', dateOfBirth: '1990-04-23' } });
  }
  async identityChanges(after: string | null): Promise<IdentityChangePage> {
    return { changes: this.log.slice(Number(after ?? 0)), cursor: String(this.log.length), more: false };
  }
}

describeOnBackends('the cohort register following identity merges', (backend) => {
  const database = useDatabase(backend);
  let ledger: Ledger;
  let register: CohortRegister;
  let prison: Feed;
  let police: Feed;
  let probation: Feed;
  let directory: IdentityDirectory;
  let merges: CohortMerges;
  /** A fresh PNC per test: the register and the ledger are the suite's. */
  let serial = 0;
  let pnc: string;
  /** Probation's case reference for the test's person: a letter and six digits. */
  let crn: string;

  beforeAll(async () => {
    ledger = await openLedger(database().ledgerOptions());
  });
  afterAll(async () => {
    await ledger.close();
  });

  beforeEach(async () => {
    await forgetIdentities(database().admin);
    register = await CohortRegister.open(database().admin);
    // The feeds in the order made here: it decides who is linked first, and so who survives a merge.
    const feeds: Feed[] = [];
    const feed = (agency: string) => {
      const made = new Feed(agency);
      feeds.push(made);
      return made;
    };
    prison = feed('prison');
    police = feed('police');
    probation = feed('probation');
    directory = await IdentityDirectory.open(
      database().admin,
      feeds.map((made) => ({ agency: made.agency, adapter: made })),
    );
    merges = new CohortMerges(register, ledger, () => directory.current());
    serial += 1;
    pnc = mintPnc(2015, serial);
    crn = `X${100_000 + serial}`;
  });

  /** Police's nominal and probation's case: two people until probation learns the PNC. */
  async function twoPeople(): Promise<{ nominal: string; offender: string }> {
    police.hold(pnc, { pnc });
    probation.hold(crn, { crn });
    await directory.refresh();
    const nominal = (await directory.current().byIdentifier('pnc', pnc))?.id;
    const offender = (await directory.current().byIdentifier('crn', crn))?.id;
    if (!nominal || !offender || nominal === offender) throw new Error('expected two people');
    return { nominal, offender };
  }

  const select = async (gatewayId: string, selectedOn: string, strand: 'fixed' | 'flex' = 'fixed') =>
    register.apply(
      await register.plan({ action: 'select', gatewayId, strand, serviceLevel: 'high', leadProfessional: lead, selectedOn, reason: 'Panel agreed' }),
      by,
    );
  const probationLearnsThePnc = () => probation.hold(crn, { crn, pnc });
  const mergeRecords = async (gatewayId: string) =>
    (await ledger.query({ kind: 'alteration', gatewayId }, { limit: 100 })).entries
      .map((entry) => entry.record)
      .filter((r) => r.operationName === 'cohort:merge');

  it('moves a member to the person their id is merged into after a refresh, the ledger recording it first and the history showing it', async () => {
    directory.follow(() => merges.catchUp());
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-09-01');

    probationLearnsThePnc();
    await directory.refresh();

    expect((await directory.current().byId(offender))?.id).toBe(nominal);
    const moved = (await register.memberships([nominal, offender])).get(nominal);
    expect(moved).toMatchObject({ gatewayId: nominal, strand: 'fixed', selectedOn: '2026-09-01', active: true, version: 2 });
    expect((await register.memberships([offender])).size).toBe(0);
    const history = (await register.history([nominal])).get(nominal) ?? [];
    expect(history.map((line) => [line.action, line.actor])).toEqual([
      ['select', 'coordinator-1'],
      ['merge', MERGE_ACTOR],
    ]);
    expect(history[1]?.details).toMatchObject({ mergedFrom: offender, into: nominal, linkedBy: expect.stringContaining(`pnc:${pnc}`) });
    // What linked them, not the agencies' record keys.
    expect(history[1]?.details.linkedBy).not.toContain('probation:');

    const [record, ...more] = await mergeRecords(offender);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      principal: { userId: MERGE_ACTOR, role: 'system' },
      kind: 'alteration',
      outcome: 'altered',
      requestId: history[1]?.requestId,
      subjects: [
        { gatewayId: nominal, identifiers: { pnc, crn } },
        { gatewayId: offender, identifiers: { pnc, crn } },
      ],
      alteration: { register: 'iom-cohort', action: 'merge', details: { mergedFrom: offender, into: nominal } },
    });
    // Nothing more to follow: a catch-up now moves nothing and records nothing.
    expect(await merges.catchUp()).toBe(0);
    expect(await mergeRecords(offender)).toHaveLength(1);
  });

  it('refuses a change planned before the merge as a CONFLICT: the membership it was planned on has moved', async () => {
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-09-01');
    const planned = await register.plan({ action: 'change-service-level', gatewayId: offender, serviceLevel: 'low', reason: 'Doing well' });
    probationLearnsThePnc();
    await directory.refresh();
    expect(await merges.catchUp()).toBe(1);

    await expect(register.apply(planned, by)).rejects.toMatchObject({ name: 'CohortError', code: 'CONFLICT' });
    expect((await register.memberships([nominal, offender])).get(nominal)).toMatchObject({ serviceLevel: 'high', version: 2 });
  });

  it('keeps one membership when both were members: the active one, else the one selected first, with both histories', async () => {
    const { nominal, offender } = await twoPeople();
    await select(nominal, '2026-09-01');
    await select(offender, '2026-08-01', 'flex');
    probationLearnsThePnc();
    await directory.refresh();

    expect(await merges.catchUp()).toBe(1);
    const memberships = await register.memberships([nominal, offender]);
    expect([...memberships.keys()]).toEqual([nominal]);
    // Both active: the earlier selection's terms, on the survivor's id.
    expect(memberships.get(nominal)).toMatchObject({ strand: 'flex', selectedOn: '2026-08-01', active: true });
    const history = (await register.history([nominal])).get(nominal) ?? [];
    expect(history.map((line) => line.action)).toEqual(['select', 'select', 'merge']);
    expect(history[2]?.details).toMatchObject({ kept: offender, replaced: { gatewayId: nominal, strand: 'fixed', selectedOn: '2026-09-01', active: true } });
  });

  it('follows a merge of a merge in order, and suspends the membership when the person is split: it may be the other part’s', async () => {
    // The prisoner is created before the other two: the offender is merged into the nominal, and that, later, into the prisoner.
    prison.hold('A1234BC', { nomsNumber: 'A1234BC' });
    await directory.refresh();
    const prisoner = (await directory.current().byIdentifier('nomsNumber', 'A1234BC'))?.id as string;
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-09-01');
    probationLearnsThePnc();
    await directory.refresh();
    prison.hold('A1234BC', { nomsNumber: 'A1234BC', pnc });
    await directory.refresh();
    expect((await directory.current().byId(offender))?.id).toBe(prisoner);

    expect(await merges.catchUp()).toBe(2);
    expect([...(await register.memberships([prisoner, nominal, offender])).keys()]).toEqual([prisoner]);
    expect(((await register.history([prisoner])).get(prisoner) ?? []).map((line) => [line.action, line.details.mergedFrom ?? null])).toEqual([
      ['select', null],
      ['merge', offender],
      ['merge', nominal],
    ]);
    // Recorded once the nominal was merged in turn: the record names the person both ids resolve to now, too.
    expect((await mergeRecords(offender))[0]?.subjects.map((subject) => subject.gatewayId)).toEqual([nominal, prisoner, offender]);

    // Prison's PNC corrected away: a split. The prisoner's id stays with the prison record, but the offender selected
    // is in the other part: the membership is suspended, the ledger recording it first, until a coordinator selects again.
    prison.hold('A1234BC', { nomsNumber: 'A1234BC' });
    await directory.refresh();
    const rest = (await directory.current().byIdentifier('pnc', pnc))?.id as string;
    expect(rest).not.toBe(prisoner);
    expect(await merges.catchUp()).toBe(1);
    const memberships = await register.memberships([prisoner, rest]);
    expect([...memberships.keys()]).toEqual([prisoner]);
    expect(memberships.get(prisoner)).toMatchObject({ active: false, deselectedOn: expect.any(String) });
    const last = ((await register.history([prisoner])).get(prisoner) ?? []).at(-1);
    expect(last).toMatchObject({ action: 'deselect', actor: SPLIT_ACTOR, details: { suspended: true, splitOff: rest } });
    const records = (await ledger.query({ kind: 'alteration', gatewayId: prisoner }, { limit: 100 })).entries.map((entry) => entry.record);
    expect(records.filter((r) => r.operationName === 'cohort:suspend')).toMatchObject([
      { principal: { userId: SPLIT_ACTOR }, outcome: 'altered', requestId: last?.requestId, subjects: [{ gatewayId: prisoner }, { gatewayId: rest }] },
    ]);
    expect(await merges.catchUp()).toBe(0);
  });

  it('leaves a split member selected as themselves alone', async () => {
    const { nominal } = await twoPeople();
    await select(nominal, '2026-09-01');
    probationLearnsThePnc();
    await directory.refresh();
    expect(await merges.catchUp()).toBe(0);
    probation.hold(crn, { crn });
    await directory.refresh();
    expect((await directory.current().byIdentifier('crn', crn))?.id).not.toBe(nominal);
    expect(await merges.catchUp()).toBe(0);
    expect((await register.memberships([nominal])).get(nominal)).toMatchObject({ active: true });
  });

  it('moves a selection planned before its merge and committed after the catch-up passed it', async () => {
    const { nominal, offender } = await twoPeople();
    const planned = await register.plan({
      action: 'select',
      gatewayId: offender,
      strand: 'fixed',
      serviceLevel: 'high',
      leadProfessional: lead,
      selectedOn: '2026-09-01',
      reason: 'Panel agreed',
    });
    probationLearnsThePnc();
    await directory.refresh();
    expect(await merges.catchUp()).toBe(0);
    await register.apply(planned, by);
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([offender]);

    expect(await merges.catchUp()).toBe(1);
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([nominal]);
    const history = (await register.history([nominal])).get(nominal) ?? [];
    expect(history.map((line) => [line.action, line.actor])).toEqual([
      ['select', 'coordinator-1'],
      ['merge', MERGE_ACTOR],
    ]);
    expect(await mergeRecords(offender)).toMatchObject([{ outcome: 'altered', requestId: history[1]?.requestId }]);
    expect(await merges.catchUp()).toBe(0);
  });

  // PGlite's register makes one alteration at a time in one process (register.ts): only PostgreSQL's can race.
  it.skipIf(backend.name !== 'postgres')('does not overwrite a selection of the survivor committed while a merge was being followed', async () => {
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-08-01', 'flex');
    probationLearnsThePnc();
    await directory.refresh();
    // The coordinator's selection of the survivor commits, from another connection, just before the catch-up writes the
    // survivor's membership: the catch-up's row locks cannot cover a row not yet there.
    const selectSurvivor = () =>
      database().admin.query(
        `INSERT INTO cohort_memberships (gateway_id, strand, service_level, lead_professional, selected_on, selection_reason, active, version)
         VALUES ($1, 'fixed', 'high', $2, '2026-09-01', 'Panel agreed', true, 1)`,
        [nominal, JSON.stringify(lead)],
      );
    const racing = new CohortMerges(
      {
        alter: (check, record, write) =>
          register.alter(check, record, (tx, checked) => {
            let raced = false;
            const racedTx: SqlClient = {
              exec: (sql) => tx.exec(sql),
              query: async (sql, params) => {
                if (!raced && sql.trimStart().startsWith('INSERT INTO cohort_memberships')) {
                  raced = true;
                  await selectSurvivor();
                }
                return tx.query(sql, params);
              },
            };
            return write(racedTx, checked);
          }),
      },
      ledger,
      () => directory.current(),
    );

    await expect(racing.catchUp()).rejects.toThrow(/changed/);
    const memberships = await register.memberships([nominal, offender]);
    expect(memberships.get(nominal)).toMatchObject({ strand: 'fixed', selectedOn: '2026-09-01', version: 1 });
    expect(memberships.get(offender)).toMatchObject({ strand: 'flex' });
    expect((await mergeRecords(offender)).filter((r) => r.outcome === 'altered').length).toBe(
      (await mergeRecords(offender)).filter((r) => r.outcome === 'error').length,
    );

    // The next catch-up reads both memberships and keeps one.
    expect(await merges.catchUp()).toBe(1);
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([nominal]);
    expect(((await register.history([nominal])).get(nominal) ?? []).at(-1)?.details).toMatchObject({ kept: offender, replaced: { gatewayId: nominal } });
  });

  it('records a change that failed after its record as not made, and records it again when it is made', async () => {
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-09-01');
    probationLearnsThePnc();
    await directory.refresh();
    // The record is kept, then the commit fails.
    const failing = new CohortMerges(
      {
        alter: (check, record, write) =>
          register.alter(
            check,
            async (checked) => {
              await record(checked);
              throw new Error('the commit failed');
            },
            write,
          ),
      },
      ledger,
      () => directory.current(),
    );

    await expect(failing.catchUp()).rejects.toThrow('the commit failed');
    expect(failing.status()).toMatchObject({ error: 'the database failed while the change was being followed' });
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([offender]);
    const [altered, failed, ...more] = await mergeRecords(offender);
    expect(more).toEqual([]);
    expect(altered).toMatchObject({ outcome: 'altered' });
    expect(failed).toMatchObject({
      outcome: 'error',
      requestId: altered?.requestId,
      alteration: { action: 'merge', failure: { code: 'DATABASE_FAILED' } },
    });

    expect(await merges.catchUp()).toBe(1);
    expect((await mergeRecords(offender)).map((r) => r.outcome)).toEqual(['altered', 'error', 'altered']);
    expect(merges.status()).toMatchObject({ error: null, followedTo: merges.status().latest });
  });

  it('follows a merge made while a catch-up was running when asked again meanwhile', async () => {
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-09-01');
    expect(await merges.catchUp()).toBe(0);
    // The run's last step has read the register, seeing no merge, when the refresh merging them asks it to catch up.
    let read = false;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = new CohortMerges(
      {
        alter: (check, record, write) =>
          register.alter(
            async (client) => {
              const checked = await check(client);
              if (!read) {
                read = true;
                await gate;
              }
              return checked;
            },
            record,
            write,
          ),
      },
      ledger,
      () => directory.current(),
    );
    const running = held.catchUp();
    while (!read) await new Promise((resolve) => setTimeout(resolve, 5));
    probationLearnsThePnc();
    await directory.refresh();
    const asked = held.catchUp();
    release();

    expect(await asked).toBe(1);
    expect(await running).toBe(1);
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([nominal]);
  });

  it('changes nothing when the ledger cannot write, and follows the merge at the next catch-up', async () => {
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-09-01');
    probationLearnsThePnc();
    await directory.refresh();
    const closed = await openLedger(database().ledgerOptions());
    await closed.close();

    await expect(new CohortMerges(register, closed, () => directory.current()).catchUp()).rejects.toThrow();
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([offender]);
    expect(((await register.history([offender])).get(offender) ?? []).map((line) => line.action)).toEqual(['select']);
    expect(await mergeRecords(offender)).toEqual([]);

    expect(await merges.catchUp()).toBe(1);
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([nominal]);
    expect(await mergeRecords(offender)).toHaveLength(1);
  });

  it('follows a merge once when two gateways catch up together', async () => {
    const { nominal, offender } = await twoPeople();
    await select(offender, '2026-09-01');
    probationLearnsThePnc();
    await directory.refresh();
    // Another gateway on PostgreSQL has a register of its own; on PGlite the database is one process's, and so is its register.
    const otherRegister = backend.name === 'postgres' ? await CohortRegister.open(database().admin) : register;
    const other = new CohortMerges(otherRegister, ledger, () => directory.current());

    const moved = await Promise.all([merges.catchUp(), other.catchUp()]);
    expect(moved.sort()).toEqual([0, 1]);
    expect(await mergeRecords(offender)).toHaveLength(1);
    expect([...(await register.memberships([nominal, offender])).keys()]).toEqual([nominal]);
  });
});
