import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencies } from '../../adapters/registry.js';
import { sampleRecord, sampleSubject } from '../ledger/fixtures.js';
import { type Ledger, openLedger } from '../ledger/ledger.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { compilePolicy, loadPolicy } from '../policy/index.js';
import { buildGatewaySchema } from '../schema.js';
import { auditRefusal, auditScopeOf } from './gate.js';
import { scopedAlerts, scopedCriteria, scopedSubjectAccess } from './scope.js';

const policy = compilePolicy(loadPolicy('policies/iom-partnership.yaml'), buildGatewaySchema(agencies).classification);
const staff = (userId: string, agency: string, role: string) => ({ userId, displayName: `${userId} (synthetic)`, agency, role });
const item = (dataItem: string) => ({ dataItem, path: `person.${dataItem}`, clauseId: 'C-06' });

describe('audit scope in the default ISP', () => {
  it('gives the partnership IG officer the whole ledger and each agency IG officer its own share', () => {
    expect(auditScopeOf({ role: 'ig-officer', agency: 'iom' }, policy)).toEqual({ kind: 'partnership' });
    const agencyOfficers = loadPolicy('policies/iom-partnership.yaml').roles.filter((role) => role.auditScope === 'own-agency');
    expect(agencyOfficers.length).toBeGreaterThan(0);
    for (const { name, agency } of agencyOfficers) {
      expect(auditRefusal(name, 'audit', policy)).toBeNull();
      expect(auditScopeOf({ role: name, agency }, policy)).toEqual({ kind: 'own-agency', agency });
    }
  });

  it('keeps every other role out of the ledger', () => {
    expect(auditRefusal('probation-practitioner', 'audit', policy)).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(auditRefusal('police-ig-officer', 'iom-case-management', policy)).toMatchObject({ code: 'PURPOSE_NOT_PERMITTED' });
  });
});

describeOnBackends('an agency IG officer reads its own share of the ledger', (backend) => {
  const database = useDatabase(backend);
  let ledger: Ledger;
  beforeAll(async () => {
    ledger = await openLedger(database().ledgerOptions());
    // Police data read by its own staff, then by housing; housing data read by its own staff;
    // and a record that disclosed nothing, which no agency's share includes.
    await ledger.append(
      sampleRecord(1, {
        requestId: 's1',
        principal: staff('pc-1', 'police', 'police-offender-manager'),
        subjects: [sampleSubject(1, { disclosed: [item('police.arrests')] })],
      }),
    );
    await ledger.append(
      sampleRecord(1, {
        requestId: 's2',
        principal: staff('ho-1', 'housing', 'housing-officer'),
        subjects: [sampleSubject(1, { disclosed: [item('police.warningMarkers')] })],
      }),
    );
    await ledger.append(
      sampleRecord(1, {
        requestId: 's3',
        principal: staff('ho-1', 'housing', 'housing-officer'),
        subjects: [sampleSubject(1, { disclosed: [item('housing.address')] })],
      }),
    );
    await ledger.append(
      sampleRecord(1, {
        requestId: 's4',
        principal: staff('pp-1', 'probation', 'probation-practitioner'),
        outcome: 'nothing-disclosed',
        // A police item withheld is not police data disclosed.
        subjects: [sampleSubject(1, { disclosed: [], withheld: [{ dataItem: 'police.arrests', path: 'person.police.arrests', reason: 'no-clause' }] })],
      }),
    );
  });
  afterAll(async () => {
    await ledger.close();
  });

  const requestIds = async (scope: Parameters<typeof scopedCriteria>[1]) =>
    (await ledger.query(scopedCriteria({}, scope))).entries.map((entry) => entry.record.requestId);

  it("lists the records its staff received and those disclosing its agency's data, and no other", async () => {
    expect(await requestIds({ kind: 'partnership' })).toEqual(['s1', 's2', 's3', 's4']);
    expect(await requestIds({ kind: 'own-agency', agency: 'police' })).toEqual(['s1', 's2']);
    expect(await requestIds({ kind: 'own-agency', agency: 'housing' })).toEqual(['s2', 's3']);
    expect(await requestIds({ kind: 'own-agency', agency: 'probation' })).toEqual(['s4']);
    expect(await requestIds({ kind: 'own-agency', agency: 'drugs' })).toEqual([]);
  });

  it('applies the same rule to subject access and to alerts', async () => {
    const report = await ledger.subjectAccess(sampleSubject(1).gatewayId);
    const recipients = (agency: string) => scopedSubjectAccess(report.entries, { kind: 'own-agency', agency }).map((entry) => entry.recipient.userId);
    expect(recipients('police')).toEqual(['pc-1', 'ho-1']);
    expect(recipients('drugs')).toEqual([]);
    const alert = { kind: 'out-of-hours' as const, userId: 'ho-1', agency: 'housing', from: '', to: '', sequences: [2], gatewayIds: [], detail: '' };
    expect(scopedAlerts([alert], { kind: 'own-agency', agency: 'police' })).toEqual([]);
    expect(scopedAlerts([alert], { kind: 'own-agency', agency: 'housing' })).toEqual([alert]);
  });
});
