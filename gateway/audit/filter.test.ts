import { describe, expect, it } from 'vitest';
import { mintPnc } from '../../schema/identifiers.js';
import { checkAuditFilter, checkPersonReference } from './filter.js';

const PNC = mintPnc(2019, 12345);

describe('checkAuditFilter', () => {
  it('turns the officer’s criteria into the ledger’s filter, instants in UTC', () => {
    const checked = checkAuditFilter({
      userId: 'pc-0421',
      agency: 'police',
      role: 'police-offender-manager',
      purpose: 'emergency',
      clause: 'C-60',
      kind: 'disclosure',
      outcome: 'nothing-disclosed',
      from: '2026-03-04T10:15:00+01:00',
      to: '2026-03-05T00:00:00Z',
    });
    expect(checked).toEqual({
      ok: true,
      value: {
        person: undefined,
        ledger: expect.objectContaining({
          userId: 'pc-0421',
          agency: 'police',
          role: 'police-offender-manager',
          purpose: 'emergency',
          clauseId: 'C-60',
          kind: 'disclosure',
          outcome: 'nothing-disclosed',
          from: '2026-03-04T09:15:00.000Z',
          to: '2026-03-05T00:00:00.000Z',
        }),
      },
    });
  });

  it('treats GraphQL’s explicit nulls as no criterion', () => {
    const checked = checkAuditFilter({ personId: null, pnc: null, agency: null, from: null });
    expect(checked.ok && Object.values(checked.value.ledger).every((value) => value === undefined)).toBe(true);
  });

  it('matches a person by gateway id, or by an identifier in canonical form', () => {
    expect(checkAuditFilter({ personId: ' gw-1 ' })).toMatchObject({
      ok: true,
      value: { person: { kind: 'personId', value: 'gw-1' }, ledger: { gatewayId: 'gw-1' } },
    });
    const lower = checkAuditFilter({ pnc: ` ${PNC.slice(2).toLowerCase()} ` });
    expect(lower).toMatchObject({ ok: true, value: { person: { kind: 'pnc', value: PNC }, ledger: { identifier: { kind: 'pnc', value: PNC } } } });
  });

  it('says what is wrong, with the code a client switches on', () => {
    expect(checkAuditFilter({ pnc: '2019/0012345Q' })).toMatchObject({ ok: false, code: 'BAD_IDENTIFIER', message: expect.stringMatching(/check letter/) });
    expect(checkAuditFilter({ personId: 'gw-1', crn: 'X123456' })).toMatchObject({
      ok: false,
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/at most one/),
    });
    expect(checkAuditFilter({ from: '2026-03-05T00:00:00Z', to: '2026-03-05T00:00:00Z' })).toMatchObject({
      ok: false,
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/from.*before/),
    });
    expect(checkAuditFilter({ from: '2026-03-05' })).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', message: expect.stringMatching(/from: .*ISO 8601/) });
    expect(checkAuditFilter({ kind: 'gossip' })).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', message: expect.stringMatching(/kind/) });
    expect(checkAuditFilter({ colour: 'red' })).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', message: expect.stringMatching(/colour/) });
  });
});

describe('checkPersonReference', () => {
  it('needs exactly one person when required', () => {
    expect(checkPersonReference({}, true)).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', message: expect.stringMatching(/exactly one/) });
    expect(checkPersonReference({}, false)).toEqual({ ok: true, value: undefined });
    expect(checkPersonReference({ crn: 'x123456' }, true)).toEqual({ ok: true, value: { kind: 'crn', value: 'X123456' } });
  });
});
