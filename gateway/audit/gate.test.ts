import { describe, expect, it } from 'vitest';
import { agencies } from '../../adapters/registry.js';
import { openPolicy } from '../../tests/harness.js';
import { CATALOGUE, TEST_ISP } from '../policy/fixtures.js';
import { compilePolicy, parsePolicy } from '../policy/index.js';
import { describeDataItems } from '../schema.js';
import { auditRefusal } from './gate.js';

const isp = compilePolicy(parsePolicy(TEST_ISP, 'testshire.yaml'), CATALOGUE);

describe('auditRefusal', () => {
  it('admits an IG officer declaring audit', () => {
    expect(auditRefusal('ig-officer', 'audit', isp)).toBeNull();
  });

  it('refuses every other role whatever it declares', () => {
    for (const role of ['police-offender-manager', 'iom-coordinator', 'housing-officer']) {
      expect(auditRefusal(role, 'audit', isp)).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    }
  });

  it('asks an IG officer to declare the purpose, and refuses any other purpose', () => {
    expect(auditRefusal('ig-officer', null, isp)).toMatchObject({ code: 'PURPOSE_REQUIRED', status: 400 });
    expect(auditRefusal('ig-officer', 'case-management', isp)).toMatchObject({ code: 'PURPOSE_NOT_PERMITTED', status: 403 });
  });

  it('refuses an IG officer when the ISP in force has no audit-only role of that name', () => {
    const withoutAudit = compilePolicy(openPolicy(), { dataItems: new Set(describeDataItems(agencies).keys()) });
    expect(auditRefusal('ig-officer', 'audit', withoutAudit)).toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
      message: expect.stringContaining('information governance officers only, not to ig-officer'),
    });
  });
});
