/**
 * The IG officers' audit side end to end: other roles make disclosures through the gateway, then an IG
 * officer reads the ledger over GraphQL (listing, filters, pages, subject access, alerts, integrity) and
 * exports it over HTTP in all three formats. Everyone else is refused, and the officer's own reading is
 * itself on the ledger.
 */
import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { sampleRecord, sampleSubject } from '../gateway/ledger/fixtures.js';
import { canonicalJson, chainHash, type DisclosureRecord } from '../gateway/ledger/index.js';
import { type Caller, COORDINATOR, defaultPolicy, type GraphQLResponse, startTestSystem, type TestSystem } from './harness.js';

const IG: Caller = { role: 'ig-officer', agency: 'iom', sub: 'ig-officer-7', purpose: 'audit' };
const POLICE: Caller = { role: 'police-offender-manager', agency: 'police', sub: 'pc-0421', purpose: 'iom-case-management' };
const HOUSING: Caller = { role: 'housing-officer', agency: 'housing', sub: 'ho-0077', purpose: 'iom-case-management' };
const EMERGENCY: Caller = {
  role: 'probation-practitioner',
  agency: 'probation',
  sub: 'po-0999',
  purpose: 'emergency',
  justification: 'Threat to life reported by hostel staff, incident EM-0001',
};

const RECORD = /* GraphQL */ `
  fragment Record on DisclosureRecord {
    sequence hash previousHash occurredAt
    principal { userId displayName agency role team clientApplication }
    purpose justification kind outcome emergency
    subjects {
      personId inActiveCohort
      identifiers { pnc cro nomsNumber crn localReferences { agency reference } }
      disclosed { dataItem path clause }
      withheld { dataItem path reason clause }
    }
    clauseIds ispVersion operationName documentHash requestId
  }
`;

const LIST = /* GraphQL */ `
  query List($filter: DisclosureFilter, $first: Int, $after: String, $order: LedgerOrder) {
    disclosures(filter: $filter, first: $first, after: $after, order: $order) {
      edges { cursor node { ...Record } }
      pageInfo { hasNextPage endCursor }
    }
  }
  ${RECORD}
`;

const SUBJECT_ACCESS = /* GraphQL */ `
  query SubjectAccess($personId: ID, $pnc: String) {
    subjectAccessReport(personId: $personId, pnc: $pnc) {
      personIds
      entries {
        sequence occurredAt personId
        recipient { userId agency role }
        purpose justification kind outcome emergency
        disclosed { dataItem path clause }
        withheld { dataItem path reason clause }
      }
    }
  }
`;

const ALERTS = /* GraphQL */ `
  query Alerts($from: DateTime!, $to: DateTime!, $threshold: Int) {
    disclosureAlerts(from: $from, to: $to, unusualVolumeThreshold: $threshold) { kind userId from to sequences personIds detail }
  }
`;

const INTEGRITY = '{ ledgerIntegrity { ok checked checkpoints firstBad { sequence problem detail } verifiedAt } }';

interface Disclosed {
  dataItem: string;
  path: string;
  clause: string;
}
interface Withheld {
  dataItem: string;
  path: string;
  reason: string;
  clause: string | null;
}
interface RecordNode {
  sequence: number;
  hash: string;
  previousHash: string;
  occurredAt: string;
  principal: { userId: string; agency: string; role: string; clientApplication: string | null };
  purpose: string;
  justification: string | null;
  kind: string;
  outcome: string;
  emergency: boolean;
  subjects: { personId: string; inActiveCohort: boolean | null; identifiers: { pnc: string | null }; disclosed: Disclosed[]; withheld: Withheld[] }[];
  clauseIds: string[];
  ispVersion: string;
  operationName: string | null;
  documentHash: string;
  requestId: string;
}
interface Connection {
  edges: { cursor: string; node: RecordNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface SubjectAccessEntry {
  sequence: number;
  personId: string;
  recipient: { userId: string; agency: string; role: string };
  purpose: string;
  kind: string;
  outcome: string;
  emergency: boolean;
  disclosed: Disclosed[];
  withheld: Withheld[];
}
interface Alert {
  kind: string;
  userId: string;
  from: string;
  to: string;
  sequences: number[];
  personIds: string[];
  detail: string;
}

let system: TestSystem;
let startedAt: string;
/** Cohort members with a PNC: the people other roles ask about. */
let cohort: SyntheticPerson[];
/** Gateway ids of those people, and the request ids of the disclosures made about them. */
const ids: string[] = [];
const requests: Record<'coordinator' | 'police' | 'housing' | 'emergency', string> = { coordinator: '', police: '', housing: '', emergency: '' };
/** The out-of-hours Saturday night on which invented records are appended straight to the ledger. */
const SATURDAY = { from: '2025-03-08T22:00:00.000Z', to: '2025-03-09T02:00:00.000Z' };
const nightSubjects = [sampleSubject(901, { inActiveCohort: false }), sampleSubject(902), sampleSubject(903)];

const pncOf = (person: SyntheticPerson): string => {
  if (!person.identifiers.pnc) throw new Error(`person ${person.index} has no PNC`);
  return person.identifiers.pnc;
};
const idAt = (index: number): string => {
  const id = ids[index];
  if (id === undefined) throw new Error(`no person ${index}`);
  return id;
};
const requestIdOf = (response: GraphQLResponse): string => {
  const requestId = response.body.extensions?.requestId;
  if (typeof requestId !== 'string') throw new Error('the response carries no requestId');
  return requestId;
};
const codeOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.code;

async function list(variables: Record<string, unknown>): Promise<Connection> {
  const response = await system.query(LIST, { first: 50, ...variables }, IG);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data?.disclosures as Connection;
}
const nodes = (connection: Connection) => connection.edges.map((edge) => edge.node);
const byRequest = (connection: Connection, requestId: string) => nodes(connection).find((node) => node.requestId === requestId);

async function subjectAccess(variables: Record<string, unknown>): Promise<{ personIds: string[]; entries: SubjectAccessEntry[]; requestId: string }> {
  const response = await system.query(SUBJECT_ACCESS, variables, IG);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  const report = response.body.data?.subjectAccessReport as { personIds: string[]; entries: SubjectAccessEntry[] };
  return { ...report, requestId: requestIdOf(response) };
}

/** The newest ledger record with this request id (checked straight in the ledger, not through the audit API). */
async function ledgerRecord(requestId: string): Promise<{ sequence: number; record: DisclosureRecord } | undefined> {
  const page = await system.ledger.query({}, { order: 'newest-first', limit: 200 });
  return page.entries.find((entry) => entry.record.requestId === requestId);
}

async function headSequence(): Promise<number> {
  const page = await system.ledger.query({}, { order: 'newest-first', limit: 1 });
  return page.entries[0]?.sequence ?? 0;
}

/** Ask about person `index` of the cohort as `caller`; returns the response's request id. */
async function ask(index: number, selection: string, caller: Caller): Promise<string> {
  const person = cohort[index] as SyntheticPerson;
  const response = await system.query(`query Ask($pnc: String) { person(pnc: $pnc) { id ${selection} } }`, { pnc: pncOf(person) }, caller);
  expect(response.status).toBe(200);
  const found = response.body.data?.person as { id: string } | null;
  if (!found) throw new Error(`${caller.role} could not find cohort member ${person.index}: ${JSON.stringify(response.body.errors)}`);
  ids[index] = found.id;
  return requestIdOf(response);
}

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy() });
  startedAt = new Date(Date.now() - 1_000).toISOString();
  cohort = system.population.people.filter((p) => p.cohort !== null && p.identifiers.pnc !== null && p.police !== null).slice(0, 3);
  expect(cohort).toHaveLength(3);
  requests.coordinator = await ask(0, 'name { givenName familyName } dateOfBirth', COORDINATOR);
  requests.police = await ask(1, 'police { arrests { offence } }', POLICE);
  requests.housing = await ask(0, 'name { givenName } police { arrests { offence } }', HOUSING);
  requests.emergency = await ask(2, 'name { familyName }', EMERGENCY);
  // A housing officer's invented night: one person outside the cohort, then three people within minutes.
  for (const [minute, subject] of nightSubjects.entries()) {
    await system.ledger.append(
      sampleRecord(900 + minute, {
        occurredAt: `2025-03-08T23:3${minute}:00.000Z`,
        principal: {
          userId: 'ho-night-9',
          displayName: 'Night Example (synthetic)',
          agency: 'housing',
          role: 'housing-officer',
          clientApplication: 'case-tool',
        },
        subjects: [subject],
      }),
    );
  }
});

afterAll(async () => {
  await system?.close();
});

describe('the IG officer’s listing of the ledger', () => {
  it('shows disclosures made by other roles: who, why, about whom, which items under which clause', async () => {
    const found = await list({ filter: { kind: 'DISCLOSURE' } });
    const coordinator = byRequest(found, requests.coordinator);
    expect(coordinator).toBeDefined();
    if (!coordinator) return;
    const policy = system.gateway.policy;
    expect(coordinator).toMatchObject({
      principal: { userId: 'iom-coordinator-1', agency: 'iom', role: 'iom-coordinator', clientApplication: 'test-suite' },
      purpose: 'iom-case-management',
      justification: null,
      kind: 'DISCLOSURE',
      outcome: 'DISCLOSED',
      emergency: false,
      ispVersion: `${policy.id}@${policy.version}`,
    });
    expect(coordinator.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(coordinator.documentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(coordinator.subjects).toHaveLength(1);
    const [subject] = coordinator.subjects;
    expect(subject).toMatchObject({ personId: idAt(0), inActiveCohort: true, identifiers: { pnc: pncOf(cohort[0] as SyntheticPerson) }, withheld: [] });
    expect(subject?.disclosed).toEqual(
      expect.arrayContaining([
        { dataItem: 'identity.name', path: 'person.name', clause: 'C-01' },
        { dataItem: 'identity.dateOfBirth', path: 'person.dateOfBirth', clause: 'C-01' },
      ]),
    );
    expect(coordinator.clauseIds).toEqual(['C-01']);

    const police = byRequest(found, requests.police);
    expect(police?.principal.role).toBe('police-offender-manager');
    expect(police?.subjects[0]?.disclosed).toContainEqual({ dataItem: 'police.arrests', path: 'person.police.arrests', clause: 'C-06' });
    // Every record listed is what was asked for.
    expect(nodes(found).every((node) => node.kind === 'DISCLOSURE')).toBe(true);
  });

  it('shows what was withheld from whom, and why', async () => {
    const found = await list({ filter: { userId: HOUSING.sub } });
    const housing = byRequest(found, requests.housing);
    expect(housing?.subjects[0]?.disclosed).toContainEqual({ dataItem: 'identity.name', path: 'person.name', clause: 'C-01' });
    expect(housing?.subjects[0]?.withheld).toEqual([{ dataItem: 'police.arrests', path: 'person.police.arrests', reason: 'no-clause', clause: null }]);
  });

  it('filters by user, agency, role, purpose, clause, kind, outcome and person', async () => {
    const cases: [Record<string, unknown>, (node: RecordNode) => boolean, string][] = [
      [{ userId: POLICE.sub }, (n) => n.principal.userId === POLICE.sub, requests.police],
      [{ agency: 'police' }, (n) => n.principal.agency === 'police', requests.police],
      [{ role: 'housing-officer' }, (n) => n.principal.role === 'housing-officer', requests.housing],
      [{ purpose: 'emergency' }, (n) => n.purpose === 'emergency' && n.emergency, requests.emergency],
      [{ clause: 'C-06' }, (n) => n.clauseIds.includes('C-06'), requests.police],
      [{ clause: 'C-60' }, (n) => n.clauseIds.includes('C-60'), requests.emergency],
      [{ outcome: 'DISCLOSED' }, (n) => n.outcome === 'DISCLOSED', requests.coordinator],
      [{ personId: idAt(0) }, (n) => n.subjects.some((s) => s.personId === idAt(0)), requests.housing],
      // Any written form of the PNC finds the records that carry it.
      [{ pnc: ` ${pncOf(cohort[1] as SyntheticPerson).toLowerCase()} ` }, (n) => n.subjects.some((s) => s.personId === idAt(1)), requests.police],
    ];
    for (const [filter, holds, expected] of cases) {
      const found = await list({ filter });
      expect(nodes(found).length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(nodes(found).every(holds), JSON.stringify(filter)).toBe(true);
      expect(byRequest(found, expected), JSON.stringify(filter)).toBeDefined();
    }
    const other = await list({ filter: { userId: POLICE.sub, purpose: 'emergency' } });
    expect(other.edges).toEqual([]);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const night = await list({ filter: SATURDAY, order: 'OLDEST_FIRST' });
    expect(nodes(night).map((n) => n.occurredAt)).toEqual(['2025-03-08T23:30:00.000Z', '2025-03-08T23:31:00.000Z', '2025-03-08T23:32:00.000Z']);
    const exact = await list({ filter: { from: '2025-03-08T23:31:00Z', to: '2025-03-08T23:32:00Z' } });
    expect(nodes(exact).map((n) => n.occurredAt)).toEqual(['2025-03-08T23:31:00.000Z']);
    const recent = await list({ filter: { from: startedAt } });
    expect(nodes(recent).every((n) => n.occurredAt >= startedAt)).toBe(true);
    expect(byRequest(recent, requests.coordinator)).toBeDefined();
    expect(nodes(recent).some((n) => n.occurredAt.startsWith('2025-03-08'))).toBe(false);
  });

  it('pages with cursors, newest first by default, and every page together is the whole listing', async () => {
    const whole = await list({ filter: { from: startedAt, kind: 'DISCLOSURE' }, order: 'OLDEST_FIRST' });
    expect(whole.edges.length).toBeGreaterThanOrEqual(4);
    expect(whole.pageInfo.hasNextPage).toBe(false);
    const sequences = nodes(whole).map((n) => n.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));

    const paged: number[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page: Connection = await list({ filter: { from: startedAt, kind: 'DISCLOSURE' }, order: 'OLDEST_FIRST', first: 1, after });
      expect(page.edges.length).toBeLessThanOrEqual(1);
      paged.push(...nodes(page).map((n) => n.sequence));
      if (page.edges.length === 1) expect(page.pageInfo.endCursor).toBe(page.edges[0]?.cursor);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(sequences);

    const newest = await list({ filter: { from: startedAt, kind: 'DISCLOSURE' }, first: 2 });
    expect(nodes(newest).map((n) => n.sequence)).toEqual([...sequences].reverse().slice(0, 2));
    expect(newest.pageInfo.hasNextPage).toBe(true);
  });
});

describe('subject access', () => {
  it('lists, for one person, who received what, when, for which purpose and under which clause', async () => {
    const report = await subjectAccess({ personId: idAt(0) });
    expect(report.personIds).toEqual([idAt(0)]);
    const coordinator = report.entries.find((e) => e.recipient.userId === 'iom-coordinator-1' && e.kind === 'DISCLOSURE');
    expect(coordinator).toMatchObject({
      personId: idAt(0),
      recipient: { agency: 'iom', role: 'iom-coordinator' },
      purpose: 'iom-case-management',
      outcome: 'DISCLOSED',
      emergency: false,
    });
    expect(coordinator?.disclosed).toContainEqual({ dataItem: 'identity.name', path: 'person.name', clause: 'C-01' });
    const housing = report.entries.find((e) => e.recipient.userId === HOUSING.sub);
    // The police section came back (a clause shares some of it with housing) with arrests withheld: that the police
    // hold the person is itself disclosed.
    expect(housing?.disclosed).toEqual([
      { dataItem: 'identity.name', path: 'person.name', clause: 'C-01' },
      { dataItem: 'police.*', path: 'person.police', clause: 'C-03' },
    ]);
    expect(housing?.withheld).toEqual([{ dataItem: 'police.arrests', path: 'person.police.arrests', reason: 'no-clause', clause: null }]);
    // Nobody else's disclosures: the police officer asked only about someone else.
    expect(report.entries.some((e) => e.recipient.userId === POLICE.sub)).toBe(false);
    const sequences = report.entries.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it('finds the same records by PNC, and shows the IG officer’s own earlier report as an audit', async () => {
    const byId = await subjectAccess({ personId: idAt(0) });
    const byPnc = await subjectAccess({ pnc: pncOf(cohort[0] as SyntheticPerson) });
    expect(byPnc.personIds).toEqual([idAt(0)]);
    const earlier = byPnc.entries.filter((e) => e.sequence <= Math.max(...byId.entries.map((x) => x.sequence)));
    expect(earlier).toEqual(byId.entries);
    const audit = byPnc.entries.find((e) => e.kind === 'AUDIT' && e.recipient.userId === IG.sub);
    expect(audit).toMatchObject({ purpose: 'audit', outcome: 'NOTHING_DISCLOSED', disclosed: [], withheld: [] });
  });

  it('answers with no entries for a person nobody has asked about', async () => {
    const report = await subjectAccess({ personId: 'gw-never-asked-about' });
    expect(report).toMatchObject({ personIds: ['gw-never-asked-about'], entries: [] });
  });
});

describe('alerts', () => {
  it('flags the break-glass access made by another role', async () => {
    const response = await system.query(ALERTS, { from: startedAt, to: new Date(Date.now() + 60_000).toISOString() }, IG);
    expect(response.body.errors).toBeUndefined();
    const alerts = response.body.data?.disclosureAlerts as Alert[];
    const emergency = alerts.filter((a) => a.kind === 'EMERGENCY_ACCESS');
    expect(emergency.map((a) => a.userId)).toEqual([EMERGENCY.sub]);
    const record = await ledgerRecord(requests.emergency);
    expect(emergency[0]?.sequences).toEqual([record?.sequence]);
  });

  it('flags out-of-hours use, people outside the cohort and unusual volume, within the window asked about', async () => {
    const response = await system.query(ALERTS, { ...SATURDAY, threshold: 2 }, IG);
    expect(response.body.errors).toBeUndefined();
    const alerts = response.body.data?.disclosureAlerts as Alert[];
    expect(alerts.every((a) => a.userId === 'ho-night-9')).toBe(true);
    // One night's out-of-hours use is one alert, spanning it.
    expect(alerts.filter((a) => a.kind === 'OUT_OF_HOURS').map((a) => [a.from, a.to, a.sequences.length])).toEqual([
      ['2025-03-08T23:30:00.000Z', '2025-03-08T23:32:00.000Z', 3],
    ]);
    expect(alerts.filter((a) => a.kind === 'OUTSIDE_COHORT').map((a) => a.personIds)).toEqual([[nightSubjects[0]?.gatewayId]]);
    const volume = alerts.find((a) => a.kind === 'UNUSUAL_VOLUME');
    expect(volume).toMatchObject({ from: '2025-03-08T23:30:00.000Z', to: '2025-03-08T23:32:00.000Z' });
    expect(volume?.personIds).toEqual(nightSubjects.map((s) => s.gatewayId).sort());
    // The same night with the default threshold is not unusual.
    const usual = await system.query(ALERTS, SATURDAY, IG);
    expect((usual.body.data?.disclosureAlerts as Alert[]).some((a) => a.kind === 'UNUSUAL_VOLUME')).toBe(false);
    // Reading alerts about people is an audit of them.
    const audit = await ledgerRecord(requestIdOf(response));
    expect(audit?.record.subjects.map((s) => s.gatewayId).sort()).toEqual(nightSubjects.map((s) => s.gatewayId).sort());
  });
});

describe('ledger integrity', () => {
  it('reports the chain intact, every record checked, with the signed checkpoints', async () => {
    await system.ledger.checkpoint();
    const head = await headSequence();
    const response = await system.query(INTEGRITY, {}, IG);
    expect(response.body.errors).toBeUndefined();
    const integrity = response.body.data?.ledgerIntegrity as { ok: boolean; checked: number; checkpoints: number; firstBad: unknown; verifiedAt: string };
    expect(integrity).toMatchObject({ ok: true, firstBad: null });
    expect(integrity.checked).toBeGreaterThanOrEqual(head);
    expect(integrity.checkpoints).toBeGreaterThanOrEqual(1);
    expect(Date.parse(integrity.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(startedAt));
  });

  it('holds the chain to the gateway’s witness file, goes on from the last verified checkpoint, and recomputes all when asked', async () => {
    const FULL = /* GraphQL */ `query Integrity($full: Boolean) {
      ledgerIntegrity(full: $full) { ok checked from witness { entries agreeing through } undetectable { kind range { from to } } }
    }`;
    type Integrity = {
      ok: boolean;
      checked: number;
      from: number;
      witness: { entries: number; agreeing: number; through: number } | null;
      undetectable: { kind: string }[];
    };
    const integrity = async (full: boolean) => (await system.query(FULL, { full }, IG)).body.data?.ledgerIntegrity as Integrity;

    await system.ledger.checkpoint();
    const full = await integrity(true);
    expect(full).toMatchObject({ ok: true, from: 1 });
    expect(full.witness?.entries).toBeGreaterThanOrEqual(1);
    expect(full.witness?.agreeing).toBe(full.witness?.entries);
    // Signed just before the check, the witness covers every record it read: nothing is left undetectable.
    expect(full.undetectable).toEqual([]);

    await system.ledger.checkpoint();
    const incremental = await integrity(false);
    expect(incremental).toMatchObject({ ok: true });
    expect(incremental.from).toBeGreaterThan(1);
    expect(incremental.checked).toBeGreaterThanOrEqual(full.checked);
  });
});

describe('GET /ledger/checkpoints', () => {
  it('publishes the witness without a token, with the public key that signed it and no person data', async () => {
    await system.ledger.checkpoint();
    const response = await request(system.app).get('/ledger/checkpoints');
    expect(response.status).toBe(200);
    const body = response.body as {
      publicKey: { kty: string; d?: string };
      checkpoints: { sequence: number; hash: string; at: string; keyId: string; jws: string }[];
      next: number | null;
    };
    expect(body.publicKey).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(body.publicKey.d).toBeUndefined();
    expect(body.checkpoints.length).toBeGreaterThanOrEqual(1);
    for (const checkpoint of body.checkpoints) expect(Object.keys(checkpoint).sort()).toEqual(['at', 'hash', 'jws', 'keyId', 'sequence']);
    expect(body.checkpoints).toEqual(await system.ledger.witnessed());

    const paged = await request(system.app).get('/ledger/checkpoints?limit=1');
    expect(paged.body.checkpoints).toEqual(body.checkpoints.slice(0, 1));
    expect(paged.body.next).toBe(body.checkpoints.length > 1 ? 1 : null);
  });

  it('refuses a page it cannot serve with BAD_USER_INPUT', async () => {
    const response = await request(system.app).get('/ledger/checkpoints?limit=5000');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('the IG officer’s own reading is on the ledger', () => {
  it('records each audit query as kind audit, by the officer, for the purpose audit, about the people shown', async () => {
    const report = await subjectAccess({ personId: idAt(1) });
    const recorded = await ledgerRecord(report.requestId);
    expect(recorded?.record).toMatchObject({
      kind: 'audit',
      purpose: 'audit',
      outcome: 'nothing-disclosed',
      principal: { userId: IG.sub, role: 'ig-officer', agency: 'iom' },
    });
    expect(recorded?.record.subjects.map((s) => s.gatewayId)).toEqual([idAt(1)]);

    const listing = await system.query(LIST, { filter: { userId: POLICE.sub }, first: 10 }, IG);
    const listed = await ledgerRecord(requestIdOf(listing));
    expect(listed?.record.kind).toBe('audit');
    expect(listed?.record.subjects.map((s) => s.gatewayId)).toContain(idAt(1));

    const integrity = await system.query(INTEGRITY, {}, IG);
    expect((await ledgerRecord(requestIdOf(integrity)))?.record).toMatchObject({ kind: 'audit', subjects: [] });

    // And the officer can see it there too.
    const audits = await list({ filter: { kind: 'AUDIT', userId: IG.sub } });
    expect(byRequest(audits, report.requestId)?.subjects.map((s) => s.personId)).toEqual([idAt(1)]);
  });
});

describe('refusals', () => {
  const everyQuery: [string, Record<string, unknown>][] = [
    [LIST, {}],
    [SUBJECT_ACCESS, { personId: 'gw-anyone' }],
    [ALERTS, SATURDAY],
    [INTEGRITY, {}],
  ];

  it('refuses every audit query to any other role, with no data', async () => {
    for (const caller of [COORDINATOR, POLICE, EMERGENCY]) {
      for (const [query, variables] of everyQuery) {
        const before = await headSequence();
        const response = await system.query(query, variables, caller);
        expect(response.status, `${caller.role}: ${query.slice(0, 40)}`).toBe(403);
        expect(codeOf(response)).toBe('FORBIDDEN');
        expect(response.body.data ?? null).toBeNull();
        expect(await headSequence()).toBe(before);
      }
    }
  });

  it('refuses the purpose audit to other roles before anything runs', async () => {
    const response = await system.query(INTEGRITY, {}, { ...POLICE, purpose: 'audit' });
    expect(response.status).toBe(403);
    expect(codeOf(response)).toBe('PURPOSE_NOT_PERMITTED');
  });

  it('gives the IG officer no person data', async () => {
    const response = await system.query(
      'query($pnc: String) { person(pnc: $pnc) { id name { givenName } } }',
      { pnc: pncOf(cohort[0] as SyntheticPerson) },
      IG,
    );
    expect(response.body.data?.person ?? null).toBeNull();
    expect(codeOf(response)).toBe('FORBIDDEN');
  });

  it('says clearly what is wrong with the IG officer’s own arguments', async () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [LIST, { first: 0 }, 'BAD_USER_INPUT', /first/],
      [LIST, { first: 101 }, 'BAD_USER_INPUT', /first/],
      [LIST, { after: 'page-two' }, 'BAD_USER_INPUT', /endCursor/],
      [LIST, { filter: { pnc: '2019/0012345Q' } }, 'BAD_IDENTIFIER', /check letter/],
      [LIST, { filter: { personId: 'gw-1', crn: 'X123456' } }, 'BAD_USER_INPUT', /at most one/],
      [LIST, { filter: { from: '2025-03-09T00:00:00Z', to: '2025-03-08T00:00:00Z' } }, 'BAD_USER_INPUT', /before/],
      [LIST, { filter: { from: 'last Tuesday' } }, 'BAD_USER_INPUT', /ISO 8601/],
      [LIST, { filter: { agency: '' } }, 'BAD_USER_INPUT', /agency/],
      [SUBJECT_ACCESS, {}, 'BAD_USER_INPUT', /exactly one/],
      [ALERTS, { ...SATURDAY, threshold: 0 }, 'BAD_USER_INPUT', /unusualVolumeThreshold/],
      [ALERTS, { from: SATURDAY.to, to: SATURDAY.from }, 'BAD_USER_INPUT', /before/],
    ];
    for (const [query, variables, code, message] of cases) {
      const response = await system.query(query, variables, IG);
      expect(codeOf(response), JSON.stringify(variables)).toBe(code);
      expect(response.body.errors?.[0]?.message, JSON.stringify(variables)).toMatch(message);
    }
  });
});

/** Buffers any response body as text, whatever its content type. */
const asText = (res: unknown, done: (error: Error | null, body: string) => void) => {
  // In Node, superagent hands parsers the raw response stream.
  const stream = res as IncomingMessage;
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  stream.on('end', () => done(null, text));
};

async function exportLedger(query: string, options: { caller?: Caller | null; purpose?: string | null } = {}) {
  const caller = options.caller === undefined ? IG : options.caller;
  let call = request(system.app).get(`/audit/export${query}`).buffer(true).parse(asText);
  if (caller)
    call = call.set('authorization', `Bearer ${await system.token({ sub: caller.sub ?? `${caller.role}-1`, role: caller.role, agency: caller.agency })}`);
  const purpose = options.purpose === undefined ? 'audit' : options.purpose;
  if (purpose) call = call.set('x-purpose', purpose);
  const response = await call;
  return { status: response.status, headers: response.headers as Record<string, string>, text: response.body as string };
}

/** RFC 4180: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('exports over HTTP', () => {
  it('streams the whole ledger as NDJSON that verifies offline, ending with the export’s own audit record', async () => {
    const response = await exportLedger('?format=ndjson');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = response.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { sequence: number; hash: string; prevHash: string; record: DisclosureRecord });
    expect(lines.map((l) => l.sequence)).toEqual(lines.map((_, i) => i + 1));
    let previous = '0'.repeat(64);
    for (const line of lines) {
      expect(line.prevHash).toBe(previous);
      expect(chainHash(line.sequence, line.prevHash, canonicalJson(line.record))).toBe(line.hash);
      previous = line.hash;
    }
    const last = lines.at(-1);
    expect(String(last?.sequence)).toBe(response.headers['x-audit-record']);
    expect(last?.record).toMatchObject({
      kind: 'audit',
      purpose: 'audit',
      operationName: 'AuditExport',
      requestId: response.headers['x-request-id'],
      principal: { userId: IG.sub, role: 'ig-officer' },
      subjects: [],
    });
    expect(lines.some((l) => l.record.requestId === requests.police)).toBe(true);
  });

  it('exports one person’s records as CSV, a header and one row per item disclosed or withheld', async () => {
    const pnc = pncOf(cohort[0] as SyntheticPerson);
    const response = await exportLedger(`?format=csv&person=${encodeURIComponent(idAt(0))}&from=${encodeURIComponent(startedAt)}&agency=`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="disclosures-to-\d+\.csv"$/);
    const [header, ...rows] = parseCsv(response.text);
    expect(header?.slice(0, 5)).toEqual(['sequence', 'occurred_at', 'user_id', 'display_name', 'agency']);
    const column = (name: string) => header?.indexOf(name) ?? -1;
    const cell = (row: string[], name: string) => row[column(name)];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.length === header?.length)).toBe(true);
    // Whole records, one row per person in them: every record exported concerns the person.
    const sequences = new Set(rows.map((row) => cell(row, 'sequence')));
    const aboutThePerson = new Set(rows.filter((row) => cell(row, 'gateway_id') === idAt(0)).map((row) => cell(row, 'sequence')));
    expect(aboutThePerson).toEqual(sequences);
    expect(rows.some((row) => cell(row, 'request_id') === requests.police)).toBe(false);
    const coordinatorName = rows.find((row) => cell(row, 'request_id') === requests.coordinator && cell(row, 'data_item') === 'identity.name');
    expect(
      coordinatorName && { decision: cell(coordinatorName, 'decision'), clause: cell(coordinatorName, 'clause_id'), pnc: cell(coordinatorName, 'pnc') },
    ).toEqual({
      decision: 'disclosed',
      clause: 'C-01',
      pnc,
    });
    const withheld = rows.find((row) => cell(row, 'request_id') === requests.housing && cell(row, 'decision') === 'withheld');
    expect(withheld && cell(withheld, 'reason')).toBe('no-clause');

    // The export is an audit of that person, on the ledger before the file left.
    const recorded = await ledgerRecord(response.headers['x-request-id'] as string);
    expect(recorded?.sequence).toBe(Number(response.headers['x-audit-record']));
    expect(recorded?.record).toMatchObject({ kind: 'audit', purpose: 'audit', principal: { userId: IG.sub }, operationName: 'AuditExport' });
    expect(recorded?.record.subjects).toEqual([expect.objectContaining({ gatewayId: idAt(0), identifiers: expect.objectContaining({ pnc }) })]);
  });

  it('exports FHIR R4 AuditEvents shaped as privacy disclosures', async () => {
    const response = await exportLedger(`?format=fhir&pnc=${encodeURIComponent(pncOf(cohort[2] as SyntheticPerson))}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
    const events = response.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.every((e) => e.resourceType === 'AuditEvent')).toBe(true);
    const emergency = events.find((e) =>
      (e.entity as { what: { identifier?: { value: string } } }[]).some((entity) => entity.what.identifier?.value === requests.emergency),
    );
    expect(emergency).toMatchObject({
      meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source'] },
      type: { code: '110106' },
      subtype: [{ code: 'disclose' }],
      action: 'R',
      outcome: '0',
    });
    const purposes = (emergency?.purposeOfEvent as { coding: { code: string }[] }[]).flatMap((p) => p.coding.map((c) => c.code));
    expect(purposes).toEqual(['emergency', 'BTG']);
    const agents = emergency?.agent as { requestor: boolean; who: { identifier?: { value: string } }; role?: { coding: { code: string }[] }[] }[];
    expect(agents.find((a) => a.requestor)).toMatchObject({
      who: { identifier: { value: EMERGENCY.sub } },
      role: [{ coding: [{ code: 'probation-practitioner' }] }],
    });
    const patient = (
      emergency?.entity as { what: { identifier?: { value: string } }; role: { code: string }; detail: { type: string; valueString: string }[] }[]
    ).find((entity) => entity.role.code === '1');
    expect(patient?.what.identifier?.value).toBe(idAt(2));
    expect(patient?.detail).toContainEqual({ type: 'disclosed', valueString: 'identity.name at person.name under C-60' });
  });

  it('refuses callers who are not IG officers declaring audit, and bad parameters, recording nothing', async () => {
    const before = await headSequence();
    const cases: [Awaited<ReturnType<typeof exportLedger>>, number, string][] = [
      [await exportLedger('?format=ndjson', { caller: null }), 401, 'UNAUTHENTICATED'],
      [await exportLedger('?format=ndjson', { caller: COORDINATOR }), 403, 'FORBIDDEN'],
      [await exportLedger('?format=ndjson', { caller: POLICE, purpose: 'iom-case-management' }), 403, 'FORBIDDEN'],
      [await exportLedger('?format=ndjson', { purpose: null }), 400, 'PURPOSE_REQUIRED'],
      [await exportLedger('?format=ndjson', { purpose: 'iom-case-management' }), 403, 'PURPOSE_NOT_PERMITTED'],
      [await exportLedger('?format=xml'), 400, 'BAD_USER_INPUT'],
      [await exportLedger(''), 400, 'BAD_USER_INPUT'],
      [await exportLedger('?format=csv&format=ndjson'), 400, 'BAD_USER_INPUT'],
      [await exportLedger('?format=csv&colour=red'), 400, 'BAD_USER_INPUT'],
      [await exportLedger('?format=csv&from=yesterday'), 400, 'BAD_USER_INPUT'],
      [await exportLedger('?format=csv&kind=gossip'), 400, 'BAD_USER_INPUT'],
      [await exportLedger('?format=csv&pnc=2019/0012345Q'), 400, 'BAD_IDENTIFIER'],
      [await exportLedger('?format=csv&person=gw-1&crn=X123456'), 400, 'BAD_USER_INPUT'],
    ];
    for (const [response, status, code] of cases) {
      expect(response.status, response.text).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(response.text) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code, response.text).toBe(code);
      expect(body.errors[0]?.message.length).toBeGreaterThan(10);
    }
    expect(cases[0]?.[0].headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(await headSequence()).toBe(before);
  });
});

// Last, because it closes the ledger for good: with no ledger, nothing is read and nothing leaves.
describe('when the ledger is unavailable', () => {
  it('answers LEDGER_UNAVAILABLE (503) to queries and exports alike', async () => {
    await system.ledger.close();
    const query = await system.query(INTEGRITY, {}, IG);
    expect(query.status).toBe(503);
    expect(codeOf(query)).toBe('LEDGER_UNAVAILABLE');
    expect(query.body.data ?? null).toBeNull();
    const exported = await exportLedger('?format=ndjson');
    expect(exported.status).toBe(503);
    expect((JSON.parse(exported.text) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('LEDGER_UNAVAILABLE');
  });
});
