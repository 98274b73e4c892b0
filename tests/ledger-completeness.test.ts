/**
 * The ledger is complete, end to end over HTTP under the partnership's own ISP:
 * - what a connection returns is recorded at its real response path, however the client aliases it (the cohort's
 *   edges and end cursor, the events' edges);
 * - a search by each kind of identifier, and by gateway id, finds every record about a person: the cohort seed
 *   (written at start-up) and IG officers' own audits included, through `disclosures`, `subjectAccessReport` and
 *   `/audit/export`;
 * - a cohort change that fails is recorded once, as failed, with its reason; `altered` means it was made.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DisclosureRecord } from '../gateway/ledger/index.js';
import type { IdentifierKind } from '../schema/identifiers.js';
import { type Caller, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

const IG_OFFICER: Caller = { role: 'ig-officer', agency: 'iom', purpose: 'audit', sub: 'completeness-ig' };
const KINDS: readonly IdentifierKind[] = ['pnc', 'cro', 'nomsNumber', 'crn'];

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 2_000 });
});
afterAll(async () => {
  await system?.close();
});

async function recordsOf(requestId: unknown): Promise<DisclosureRecord[]> {
  const page = await system.ledger.query({}, { order: 'newest-first', limit: 200 });
  return page.entries.map((entry) => entry.record).filter((record) => record.requestId === requestId);
}

const disclosedIn = (record: DisclosureRecord | undefined) =>
  (record?.subjects ?? []).flatMap((s) => s.disclosed.map(({ path, dataItem }) => `${s.gatewayId} ${path} ${dataItem}`)).sort();

describe('recorded wherever it is returned', () => {
  it('records aliased cohort edges and an aliased end cursor at the paths the response gives them', async () => {
    const { body } = await system.query('{ c: cohort(first: 3) { e: edges { cursor } p: pageInfo { last: endCursor } } }');
    expect(body.errors).toBeUndefined();
    const cursors = (body.data?.c as { e: { cursor: string }[] }).e.map((edge) => edge.cursor);
    expect(cursors).toHaveLength(3);
    const [record, ...more] = await recordsOf(body.extensions?.requestId);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ kind: 'disclosure', outcome: 'disclosed' });
    expect(disclosedIn(record)).toEqual([...cursors.map((id, i) => `${id} c.e.${i} iom.membership`), `${cursors[2]} c.p.last iom.membership`].sort());
  });

  it('records aliased event edges and nodes at the paths the response gives them', async () => {
    const response = await fetch(`${system.simulator('police').url}/__admin/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 20 }),
    });
    expect(response.status).toBe(200);
    await system.events.poll();
    const { body } = await system.query('{ x: events(first: 3) { y: edges { at: cursor n: node { item: dataItem } } } }');
    expect(body.errors).toBeUndefined();
    const edges = (body.data?.x as { y: { at: string; n: { item: string } }[] }).y;
    expect(edges.length).toBeGreaterThan(0);
    const [record] = await recordsOf(body.extensions?.requestId);
    expect(record?.outcome).toBe('disclosed');
    const paths = disclosedIn(record)
      .map((line) => line.split(' ').slice(1).join(' '))
      .sort();
    expect(paths).toEqual(edges.flatMap((edge, i) => [`x.y.${i} ${edge.n.item}`, `x.y.${i}.n ${edge.n.item}`]).sort());
  });
});

describe('searchable by any identifier', () => {
  let gatewayId: string;
  let identifiers: Record<IdentifierKind, string>;
  let auditRequestId: string;

  beforeAll(async () => {
    // A seeded cohort member whom every kind of identifier names.
    const member = system.population.people.find((p) => p.cohort !== null && KINDS.every((kind) => p.identifiers[kind] !== null));
    if (!member) throw new Error('the population has no cohort member with every identifier');
    identifiers = Object.fromEntries(KINDS.map((kind) => [kind, member.identifiers[kind] as string])) as Record<IdentifierKind, string>;
    const { body } = await system.query('query($p: String) { person(pnc: $p) { id } }', { p: identifiers.pnc });
    gatewayId = (body.data?.person as { id: string }).id;
    // The officer's own audit of them, asked by gateway id only.
    const audit = await system.query('query($id: ID) { subjectAccessReport(personId: $id) { personIds } }', { id: gatewayId }, IG_OFFICER);
    expect(audit.body.errors).toBeUndefined();
    auditRequestId = String(audit.body.extensions?.requestId);
  });

  it('stores every identifier the gateway knows on the seed record and on the audit record', async () => {
    const seed = (await system.ledger.query({ kind: 'alteration', gatewayId }, { limit: 10 })).entries.find((e) => e.record.operationName === 'cohort:seed');
    const [audit] = await recordsOf(auditRequestId);
    for (const record of [seed?.record, audit]) {
      expect(record?.subjects.find((s) => s.gatewayId === gatewayId)?.identifiers).toMatchObject(identifiers);
    }
  });

  const criteria = () => [...KINDS.map((kind) => ({ kind, value: identifiers[kind] })), { kind: 'personId' as const, value: gatewayId }];

  it('finds the seed and the audit records through disclosures(filter:) by each identifier and by gateway id', async () => {
    for (const { kind, value } of criteria()) {
      const { body } = await system.query(
        'query($f: DisclosureFilter) { disclosures(filter: $f, first: 100) { edges { node { requestId operationName kind } } } }',
        { f: { [kind]: value } },
        IG_OFFICER,
      );
      expect(body.errors, kind).toBeUndefined();
      const nodes = (body.data?.disclosures as { edges: { node: { requestId: string; operationName: string | null; kind: string } }[] }).edges.map(
        (e) => e.node,
      );
      expect(
        nodes.some((n) => n.operationName === 'cohort:seed' && n.kind === 'ALTERATION'),
        `${kind}: the seed`,
      ).toBe(true);
      expect(
        nodes.some((n) => n.requestId === auditRequestId && n.kind === 'AUDIT'),
        `${kind}: the audit`,
      ).toBe(true);
    }
  });

  it('finds them in the subject access report and the export by each identifier', async () => {
    const token = await system.token({ sub: IG_OFFICER.sub, role: IG_OFFICER.role, agency: IG_OFFICER.agency });
    for (const { kind, value } of criteria()) {
      const { body } = await system.query(
        `query($v: ${kind === 'personId' ? 'ID' : 'String'}) { subjectAccessReport(${kind}: $v) { entries { kind recipient { userId } } } }`,
        { v: value },
        IG_OFFICER,
      );
      expect(body.errors, kind).toBeUndefined();
      const entries = (body.data?.subjectAccessReport as { entries: { kind: string; recipient: { userId: string } }[] }).entries;
      expect(
        entries.some((e) => e.kind === 'ALTERATION' && e.recipient.userId === 'system:population-seed'),
        `${kind}: the seed`,
      ).toBe(true);
      expect(
        entries.some((e) => e.kind === 'AUDIT' && e.recipient.userId === IG_OFFICER.sub),
        `${kind}: the audit`,
      ).toBe(true);

      const parameter = kind === 'personId' ? 'person' : kind;
      const exported = await request(system.app)
        .get(`/audit/export?format=ndjson&${parameter}=${encodeURIComponent(value)}`)
        .set('authorization', `Bearer ${token}`)
        .set('x-purpose', 'audit');
      expect(exported.status, kind).toBe(200);
      const lines = String(exported.text)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { record: DisclosureRecord });
      expect(
        lines.some((l) => l.record.operationName === 'cohort:seed'),
        `${kind}: the seed in the export`,
      ).toBe(true);
      expect(
        lines.some((l) => l.record.requestId === auditRequestId),
        `${kind}: the audit in the export`,
      ).toBe(true);
    }
  });
});

describe('outcomes are true', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const CHANGE_LEVEL = 'mutation($input: ChangeServiceLevelInput!) { changeServiceLevel(input: $input) { id iom { serviceLevel } } }';

  async function activeMember(skip: number) {
    const members = (await system.register.everyMembership()).filter((m) => m.membership.active);
    const member = members[skip];
    if (!member) throw new Error('no active member');
    return member.membership;
  }

  it('records a change that lost a race once, as failed, with its reason, and changes nothing', async () => {
    const member = await activeMember(5);
    const other = member.serviceLevel === 'low' ? 'medium' : 'low';
    const asked = member.serviceLevel === 'high' ? 'medium' : 'high';
    // Another change to the same member lands between this change's plan and its application.
    const apply = system.register.apply.bind(system.register);
    vi.spyOn(system.register, 'apply').mockImplementationOnce(async (planned, by, record) => {
      const racing = await system.register.plan({
        action: 'change-service-level',
        gatewayId: member.gatewayId,
        serviceLevel: other,
        reason: 'Panel decision elsewhere.',
      });
      await apply(racing, { ...by, requestId: 'racing-change' });
      return apply(planned, by, record);
    });
    const { body } = await system.query(CHANGE_LEVEL, {
      input: { personId: member.gatewayId, serviceLevel: asked.toUpperCase(), reason: 'Two arrests this week.' },
    });
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['CONFLICT']);

    const records = await recordsOf(body.extensions?.requestId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'alteration',
      outcome: 'error',
      subjects: [{ gatewayId: member.gatewayId }],
      alteration: {
        action: 'change-service-level',
        details: { serviceLevel: asked },
        failure: { code: 'CONFLICT', reason: expect.stringMatching(/changed while/) },
      },
    });
    expect((await system.register.memberships([member.gatewayId])).get(member.gatewayId)?.serviceLevel).toBe(other);

    // The IG officer sees it as failed, and why.
    const { body: audit } = await system.query(
      'query($id: ID) { disclosures(filter: { personId: $id, kind: ALTERATION, outcome: ERROR }) { edges { node { requestId failureReason } } } }',
      { id: member.gatewayId },
      IG_OFFICER,
    );
    expect((audit.data?.disclosures as { edges: { node: unknown }[] }).edges.map((e) => e.node)).toEqual([
      { requestId: body.extensions?.requestId, failureReason: expect.stringMatching(/changed while/) },
    ]);
  });

  it('records a change that was made once, as altered', async () => {
    const member = await activeMember(6);
    const asked = member.serviceLevel === 'high' ? 'medium' : 'high';
    const { body } = await system.query(CHANGE_LEVEL, {
      input: { personId: member.gatewayId, serviceLevel: asked.toUpperCase(), reason: 'Two arrests this week.' },
    });
    expect(body.errors).toBeUndefined();
    const alterations = (await recordsOf(body.extensions?.requestId)).filter((r) => r.kind === 'alteration');
    expect(alterations.map((r) => r.outcome)).toEqual(['altered']);
    expect(alterations[0]?.alteration?.failure).toBeUndefined();
    expect((await system.register.memberships([member.gatewayId])).get(member.gatewayId)?.serviceLevel).toBe(asked);
  });
});
