import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { IdentityChangePage, IdentityRecord } from '../../adapters/kit/contract.js';
import { mintPnc } from '../../schema/identifiers.js';
import { IdentityDirectory } from '../identity/directory.js';
import { forgetIdentities } from '../identity/fixtures.js';
import { type Ledger, openLedger } from '../ledger/ledger.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { CohortMerges, MERGE_ACTOR } from './merges.js';
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

  beforeAll(async () => {
    ledger = await openLedger(database().ledgerOptions());
  });
  afterAll(async () => {
    await ledger.close();
  });

  beforeEach(async () => {
    await forgetIdentities(database().admin);
    register = await CohortRegister.open(database().admin);
    // The feeds in registry order, as made: it decides who is linked first, and so who survives a merge.
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
  });

  /** Police's nominal and probation's case: two people until probation learns the PNC. */
  async function twoPeople(): Promise<{ nominal: string; offender: string }> {
    police.hold(pnc, { pnc });
    probation.hold(`X10000${serial}`, { crn: `X10000${serial}` });
    await directory.refresh();
    const nominal = (await directory.current().byIdentifier('pnc', pnc))?.id;
    const offender = (await directory.current().byIdentifier('crn', `X10000${serial}`))?.id;
    if (!nominal || !offender || nominal === offender) throw new Error('expected two people');
    return { nominal, offender };
  }

  const select = async (gatewayId: string, selectedOn: string, strand: 'fixed' | 'flex' = 'fixed') =>
    register.apply(
      await register.plan({ action: 'select', gatewayId, strand, serviceLevel: 'high', leadProfessional: lead, selectedOn, reason: 'Panel agreed' }),
      by,
    );
  const probationLearnsThePnc = () => probation.hold(`X10000${serial}`, { crn: `X10000${serial}`, pnc });
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

    const [record, ...more] = await mergeRecords(offender);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      principal: { userId: MERGE_ACTOR, role: 'system' },
      kind: 'alteration',
      outcome: 'altered',
      requestId: history[1]?.requestId,
      subjects: [
        { gatewayId: nominal, identifiers: { pnc, crn: `X10000${serial}` } },
        { gatewayId: offender, identifiers: { pnc, crn: `X10000${serial}` } },
      ],
      alteration: { register: 'iom-cohort', action: 'merge', details: { mergedFrom: offender, into: nominal } },
    });
    // Nothing more to follow: a catch-up now moves nothing and records nothing.
    expect(await merges.catchUp()).toBe(0);
    expect(await mergeRecords(offender)).toHaveLength(1);
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

  it('follows a merge of a merge in order, and leaves the membership with its id when the person is split', async () => {
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

    // Prison's PNC corrected away: a split. The prisoner's id stays with the prison record, the membership with it.
    prison.hold('A1234BC', { nomsNumber: 'A1234BC' });
    await directory.refresh();
    const rest = (await directory.current().byIdentifier('pnc', pnc))?.id as string;
    expect(rest).not.toBe(prisoner);
    expect(await merges.catchUp()).toBe(0);
    expect([...(await register.memberships([prisoner, rest])).keys()]).toEqual([prisoner]);
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
