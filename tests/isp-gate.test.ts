/**
 * The gates in front of any person data, end to end over HTTP with the default ISP: the bearer token
 * (every classic attack refused with 401 and no data), and the declared purpose (required, permitted for the
 * role, justified where the ISP says so; break-glass recorded as an emergency and ending after its window).
 */
import { randomUUID } from 'node:crypto';
import { type CryptoKey, exportSPKI, type GenerateKeyPairResult, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { type Caller, defaultPolicy, startTestSystem, TEST_AUDIENCE, TEST_ISSUER, type TestSystem } from './harness.js';
import { factsOf, IspOracle, linksWhole, lookupOf } from './isp-oracle.js';

// The harness keeps its signing key to itself; an attacker knows the public half (it is published), and
// forging the claims-level attacks needs the private half. Record the key pairs jose generates, untouched.
const generated = vi.hoisted((): GenerateKeyPairResult[] => []);
vi.mock('jose', async (importOriginal) => {
  const jose = await importOriginal<typeof import('jose')>();
  return {
    ...jose,
    generateKeyPair: async (...args: Parameters<typeof jose.generateKeyPair>) => {
      const pair = await jose.generateKeyPair(...args);
      generated.push(pair);
      return pair;
    },
  };
});

const oracle = new IspOracle();
let clockAt = new Date('2026-11-23T10:00:00Z');
let system: TestSystem;
let trusted: GenerateKeyPairResult;

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy(), clock: () => clockAt });
  // The trusted pair is the one whose public key verifies the harness's own tokens.
  const probe = await system.token({ sub: 'probe', role: 'iom-coordinator', agency: 'iom' });
  const verifies = await Promise.all(
    generated.map((pair) =>
      jwtVerify(probe, pair.publicKey).then(
        () => true,
        () => false,
      ),
    ),
  );
  const found = generated.find((_, i) => verifies[i]);
  if (!found) throw new Error('could not find the key pair the harness signs tokens with');
  trusted = found;
});
afterAll(async () => {
  await system?.close();
});

const person = (predicate: (p: SyntheticPerson) => boolean, what: string): SyntheticPerson => {
  const found = system.population.people.find((p) => linksWhole(p) && predicate(p));
  if (!found) throw new Error(`the population has no ${what}`);
  return found;
};
const cohortMember = () => person((p) => factsOf(p).inActiveCohort, 'cohort member');
const outsideCohort = () => person((p) => !factsOf(p).inActiveCohort && p.probation !== null, 'person outside the cohort');

const nameQuery = (subject: SyntheticPerson) => {
  const { kind, value } = lookupOf(subject);
  return { query: `query Name($v: String) { person(${kind}: $v) { id name { givenName familyName } } }`, variables: { v: value } };
};

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const CLAIMS = { sub: 'attacker-1', role: 'iom-coordinator', agency: 'iom', client_id: 'test-suite' };

/** A token signed with `key`: valid in every respect unless the case changes one. */
function signed(key: CryptoKey, options: { kid?: string; issuer?: string; audience?: string; exp?: number; nbf?: number } = {}) {
  const { kid = 'test-key', issuer = TEST_ISSUER, audience = TEST_AUDIENCE, exp = nowSeconds() + 600, nbf } = options;
  return new SignJWT({ ...CLAIMS, ...(nbf === undefined ? {} : { nbf }) })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);
}

describe('token attacks against the whole gateway', () => {
  it('answers every forged, stale or misdirected token with 401 UNAUTHENTICATED and no data', async () => {
    const { query, variables } = nameQuery(cohortMember());
    const stranger = await generateKeyPair('ES256');
    const publicPem = await exportSPKI(trusted.publicKey);
    const hs256 = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(publicPem));
    const payload = { ...CLAIMS, iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: nowSeconds() + 600 };

    const cases: { name: string; authorization: string | null; reason: RegExp }[] = [
      { name: 'alg none', authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`, reason: /algorithm none is not allowed/ },
      { name: 'wrong key, same kid', authorization: `Bearer ${await signed(stranger.privateKey)}`, reason: /signature verification failed/ },
      { name: 'expired', authorization: `Bearer ${await signed(trusted.privateKey, { exp: nowSeconds() - 3600 })}`, reason: /expired/ },
      { name: 'not yet valid', authorization: `Bearer ${await signed(trusted.privateKey, { nbf: nowSeconds() + 3600 })}`, reason: /not valid before/ },
      { name: 'wrong issuer', authorization: `Bearer ${await signed(trusted.privateKey, { issuer: 'https://idp.attacker.example/' })}`, reason: /issuer/ },
      { name: 'wrong audience', authorization: `Bearer ${await signed(trusted.privateKey, { audience: 'some-other-api' })}`, reason: /audience/ },
      { name: 'unknown kid', authorization: `Bearer ${await signed(trusted.privateKey, { kid: 'not-a-trusted-key' })}`, reason: /unknown key id/ },
      { name: 'HS256 signed with the public key', authorization: `Bearer ${hs256}`, reason: /HS256 is not allowed/ },
      { name: 'garbage', authorization: 'Bearer d29yZHM.not-json.%%', reason: /not a well-formed/ },
      { name: 'missing header', authorization: null, reason: /no bearer token/ },
    ];

    // The trusted key itself, with the same claims, gets through: each case fails for its own fault only.
    const control = await request(system.app)
      .post('/graphql')
      .set('authorization', `Bearer ${await signed(trusted.privateKey)}`)
      .set('x-purpose', 'iom-case-management')
      .send({ query, variables });
    expect(control.status).toBe(200);
    expect(control.body.data.person).not.toBeNull();

    for (const { name, authorization, reason } of cases) {
      let call = request(system.app).post('/graphql').set('x-purpose', 'iom-case-management');
      if (authorization !== null) call = call.set('authorization', authorization);
      const response = await call.send({ query, variables });
      expect(response.status, name).toBe(401);
      expect(response.body.data, name).toBeUndefined();
      expect(response.body.errors, name).toHaveLength(1);
      expect(response.body.errors[0].extensions.code, name).toBe('UNAUTHENTICATED');
      expect(response.body.errors[0].message, name).toMatch(reason);
    }
  });
});

describe('the declared purpose', () => {
  const practitioner: Caller = { role: 'probation-practitioner', agency: 'probation' };

  it('is required: no X-Purpose is 400 PURPOSE_REQUIRED, listing what the role may declare', async () => {
    const { query, variables } = nameQuery(cohortMember());
    for (const role of oracle.roles) {
      const { status, body } = await system.query(query, variables, { role, agency: oracle.agencyOf(role) });
      expect(status, role).toBe(400);
      expect(body.data, role).toBeUndefined();
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'PURPOSE_REQUIRED', permittedPurposes: oracle.permittedPurposes(role) });
    }
  });

  it('must be one the role may use: anything else is 403 PURPOSE_NOT_PERMITTED, listing the permitted ones', async () => {
    const { query, variables } = nameQuery(cohortMember());
    const refused = [
      { role: 'housing-officer', purpose: 'risk-management' },
      { role: 'drug-worker', purpose: 'enforcement' },
      { role: 'iom-coordinator', purpose: 'audit' },
      { role: 'ig-officer', purpose: 'iom-case-management' },
      { role: 'police-offender-manager', purpose: 'curiosity' },
    ];
    for (const { role, purpose } of refused) {
      const { status, body } = await system.query(query, variables, { role, agency: oracle.agencyOf(role), purpose, justification: 'Case 123' });
      expect(status, `${role}/${purpose}`).toBe(403);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'PURPOSE_NOT_PERMITTED', permittedPurposes: oracle.permittedPurposes(role) });
    }
  });

  it('needs a justification where the ISP says so: safeguarding, enforcement, emergency', async () => {
    const { query, variables } = nameQuery(cohortMember());
    const needing = oracle.purposes.filter((purpose) => oracle.requiresJustification(purpose));
    expect(needing.sort()).toEqual(['emergency', 'enforcement', 'safeguarding']);
    for (const purpose of needing) {
      const without = await system.query(query, variables, { ...practitioner, purpose });
      expect(without.status, purpose).toBe(400);
      expect(without.body.data).toBeUndefined();
      expect(without.body.errors?.[0]?.extensions?.code, purpose).toBe('JUSTIFICATION_REQUIRED');
      const blank = await system.query(query, variables, { ...practitioner, purpose, justification: '   ' });
      expect(blank.body.errors?.[0]?.extensions?.code, `${purpose}, blank`).toBe('JUSTIFICATION_REQUIRED');
      const justified = await system.query(query, variables, { ...practitioner, purpose, justification: `Case ${purpose}-1` });
      expect(justified.status, purpose).toBe(200);
      expect(justified.body.data?.person, purpose).not.toBeNull();
    }
  });
});

describe('break-glass', () => {
  it('lifts the cohort scope for an emergency with a justification, and the ledger records it as an emergency', async () => {
    const subject = outsideCohort();
    const { query, variables } = nameQuery(subject);
    const sub = `pc-${randomUUID()}`;
    const officer: Caller = { role: 'police-offender-manager', agency: 'police', sub };

    const everyday = await system.query(query, variables, { ...officer, purpose: 'iom-case-management' });
    expect(everyday.body.data?.person).toBeNull();

    const justification = 'Threat to life reported by ambulance crew, incident 4471';
    const emergency = await system.query(query, variables, { ...officer, purpose: 'emergency', justification });
    expect(emergency.status).toBe(200);
    expect(emergency.body.errors).toBeUndefined();
    expect(emergency.body.data?.person).toMatchObject({ name: { givenName: expect.any(String) } });

    const { entries } = await system.ledger.query({ userId: sub, purpose: 'emergency' });
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry?.record).toMatchObject({ emergency: true, justification, purpose: 'emergency', requestId: emergency.body.extensions?.requestId });
    expect(entry?.record.subjects[0]?.disclosed).toContainEqual({ dataItem: 'identity.name', path: 'person.name', clauseId: 'C-60' });
    expect(entry?.record.subjects[0]?.inActiveCohort).toBe(false);
  });

  it('ends after the purpose’s maxMinutes; a new emergency needs a new justification', async () => {
    const { query, variables } = nameQuery(outsideCohort());
    const officer: Caller = { role: 'police-offender-manager', agency: 'police', sub: `pc-${randomUUID()}`, purpose: 'emergency' };
    const maxMinutes = oracle.maxMinutes('emergency');
    const started = new Date('2026-11-23T12:00:00Z');
    const at = (minutes: number) => {
      clockAt = new Date(started.getTime() + minutes * 60_000);
    };
    const ask = (justification: string) => system.query(query, variables, { ...officer, justification });

    at(0);
    expect((await ask('Incident 1')).body.data?.person).not.toBeNull();
    at(maxMinutes - 1);
    expect((await ask('Incident 1')).body.data?.person).not.toBeNull();
    at(maxMinutes + 1);
    const ended = await ask('Incident 1');
    expect(ended.status).toBe(403);
    expect(ended.body.data).toBeUndefined();
    expect(ended.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_NOT_PERMITTED');
    expect(ended.body.errors?.[0]?.message).toMatch(new RegExp(`${maxMinutes} minutes`));

    const renewed = await ask('Incident 2: the threat continues');
    expect(renewed.status).toBe(200);
    expect(renewed.body.data?.person).not.toBeNull();
    at(maxMinutes * 2 + 2);
    expect((await ask('Incident 2: the threat continues')).status).toBe(403);
  });

  it('allows a user only the ISP’s emergencies a day, and alerts IG officers to each renewal', async () => {
    const { query, variables } = nameQuery(outsideCohort());
    const sub = `pc-${randomUUID()}`;
    const officer: Caller = { role: 'police-offender-manager', agency: 'police', sub, purpose: 'emergency' };
    const perDay = oracle.maxWindowsPerDay('emergency');
    clockAt = new Date('2026-11-25T09:00:00Z');
    const declared = [];
    for (let i = 1; i <= perDay + 1; i++) declared.push(await system.query(query, variables, { ...officer, justification: `Incident ${i}` }));
    expect(declared.map((r) => r.status)).toEqual([...Array.from({ length: perDay }, () => 200), 403]);
    const refused = declared[perDay]?.body.errors?.[0];
    expect(refused?.extensions?.code).toBe('PURPOSE_NOT_PERMITTED');
    expect(refused?.message).toMatch(new RegExp(`declared ${perDay} emergencies in the last 24 hours`));
    // A window already open stays open.
    expect((await system.query(query, variables, { ...officer, justification: 'Incident 1' })).status).toBe(200);

    const { body } = await system.query(
      'query($from: DateTime!, $to: DateTime!) { disclosureAlerts(from: $from, to: $to) { kind userId } }',
      { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
      { role: 'ig-officer', agency: 'iom', purpose: 'audit' },
    );
    const renewals = (body.data?.disclosureAlerts as { kind: string; userId: string }[]).filter((a) => a.userId === sub && a.kind === 'EMERGENCY_RENEWED');
    expect(renewals).toHaveLength(perDay - 1);
  });
});

describe('review dates, on the gateway’s clock', () => {
  // C-70 shares housing support referrals with drug workers until its review date, 2026-03-31, in England.
  const clause = oracle.isp.clauses.find((c) => c.id === 'C-70');
  const worker: Caller = { role: 'drug-worker', agency: 'drugs', purpose: 'iom-case-management' };
  const QUERY = /* GraphQL */ `
    query Referrals($v: String) {
      person(crn: $v) { housing { supportReferrals { service } } }
      accessExplanation(crn: $v) { items { dataItem allowed clause reason } }
    }
  `;
  const ask = async (at: string) => {
    clockAt = new Date(at);
    const subject = person((p) => factsOf(p).inActiveCohort && p.housing !== null && p.identifiers.crn !== null, 'cohort member known to housing');
    const { body } = await system.query(QUERY, { v: subject.identifiers.crn }, worker);
    const explained = (body.data?.accessExplanation as { items: { dataItem: string }[] }).items.find((i) => i.dataItem === 'housing.supportReferrals');
    return { body, explained };
  };

  it('grants until the review date ends in England, and accessExplanation says the same', async () => {
    expect(clause).toMatchObject({ reviewDate: '2026-03-31', roles: ['drug-worker'], dataItems: ['housing.supportReferrals'] });
    // 23:30 on 31 March in London (BST) is still the review date.
    for (const at of ['2026-03-30T12:00:00Z', '2026-03-31T22:30:00Z']) {
      const { body, explained } = await ask(at);
      expect(body.errors, at).toBeUndefined();
      expect(body.data?.person, at).toMatchObject({ housing: { supportReferrals: expect.any(Array) } });
      expect(explained, at).toMatchObject({ allowed: true, clause: 'C-70', reason: null });
    }
  });

  it('grants nothing once it has passed: WITHHELD clause-expired, and accessExplanation says the same', async () => {
    // 23:30 UTC on 31 March is 00:30 on 1 April in London.
    for (const at of ['2026-03-31T23:30:00Z', '2026-11-23T10:00:00Z']) {
      const { body, explained } = await ask(at);
      expect(body.data?.person, at).toEqual({ housing: { supportReferrals: null } });
      expect(
        body.errors?.map((e) => e.extensions),
        at,
      ).toEqual([{ code: 'WITHHELD', dataItem: 'housing.supportReferrals', reason: 'clause-expired', clause: 'C-70' }]);
      expect(explained, at).toMatchObject({ allowed: false, clause: 'C-70', reason: 'clause-expired' });
    }
  });
});
