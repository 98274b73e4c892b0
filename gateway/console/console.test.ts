import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, startTestSystem, type TestSystem } from '../../tests/harness.js';
import { returnToAfterSignIn } from './index.js';
import { ConsoleSessions, SESSION_COOKIE, SIGN_IN_COOKIE } from './sessions.js';
import { consoleSettings } from './settings.js';

const officer = { userId: 'ig-officer-1', displayName: 'Ivy Grant', agency: 'iom', role: 'ig-officer', clientApplication: 'partnership-console' };
const practitioner = {
  userId: 'pp-1',
  displayName: 'Sam Okafor',
  agency: 'probation',
  role: 'probation-practitioner',
  clientApplication: 'partnership-console',
};

describe('the console over HTTP', () => {
  let system: TestSystem;
  let sessions: ConsoleSessions;
  beforeAll(async () => {
    // The identity provider is never reached here: sessions are made directly.
    system = await startTestSystem({ policy: defaultPolicy(), console: { issuer: 'http://127.0.0.1:9/', publicUrl: 'http://127.0.0.1:4000' } });
    sessions = await ConsoleSessions.open(system.database);
  });
  afterAll(async () => {
    await system.close();
  });

  const signedIn = async (principal: typeof officer) => {
    const { token, session } = await sessions.create(principal, 'id-token');
    return { cookie: `${SESSION_COOKIE}=${token}`, csrf: session.csrfToken };
  };

  it('sends a visitor without a session to sign in, remembering where they were going', async () => {
    const response = await request(system.app).get('/console/alerts?days=30');
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`/console/sign-in?returnTo=${encodeURIComponent('/console/alerts?days=30')}`);
    expect((await request(system.app).get('/')).headers.location).toBe('/console');
  });

  it('says plainly when the identity provider cannot be reached', async () => {
    const response = await request(system.app).get('/console/sign-in');
    expect(response.status).toBe(503);
    expect(response.text).toContain('Sign-in is unavailable');
  });

  it('serves its pages and assets from the gateway, with a content security policy and no caching', async () => {
    const { cookie } = await signedIn(officer);
    const page = await request(system.app).get('/console/isp').set('cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.text).not.toMatch(/(src|href)="https?:\/\//);
    const css = await request(system.app).get('/console/assets/govuk-frontend.min.css');
    expect(css.status).toBe(200);
    expect(css.text).toContain('url(/console/assets/fonts/');
    expect((await request(system.app).get('/console/assets/fonts/bold-b542beb274-v2.woff2')).status).toBe(200);
  });

  it('records each page in the ledger as an audit by the officer', async () => {
    const { cookie } = await signedIn(officer);
    const response = await request(system.app).get('/console/people?kind=pnc&value=2002%2F0949875C').set('cookie', cookie);
    expect(response.status).toBe(200);
    const audits = await system.ledger.query({ userId: 'ig-officer-1', kind: 'audit' }, { order: 'newest-first', limit: 1 });
    expect(audits.entries[0]?.record).toMatchObject({
      purpose: 'audit',
      operationName: 'ConsoleFindPerson',
      principal: { clientApplication: 'partnership-console' },
    });
    expect(audits.entries[0]?.record.subjects[0]?.identifiers.pnc).toBe('2002/0949875C');
  });

  it('finds a person by name, and by an identifier in any written form, naming them by identifiers only', async () => {
    const { cookie } = await signedIn(officer);
    const byName = await request(system.app).get('/console/people?name=Carl+Rhodes').set('cookie', cookie);
    expect(byName.status).toBe(200);
    expect(byName.text).toContain('2002/0949875C');
    const loose = await request(system.app).get('/console/people?kind=pnc&value=02%2F949875C').set('cookie', cookie);
    expect(loose.text).toContain('/console/access-report?pnc=2002%2F0949875C');
    const bad = await request(system.app).get('/console/people?kind=pnc&value=not-a-pnc').set('cookie', cookie);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('There is a problem');
  });

  it("downloads the filtered records as NDJSON, CSV or FHIR, in the officer's scope, after recording the download", async () => {
    await system.query(
      '{ person(pnc: "2002/0949875C") { name { familyName } } }',
      {},
      { role: 'probation-practitioner', agency: 'probation', sub: 'pp-9', purpose: 'iom-case-management' },
    );
    const { cookie } = await signedIn(officer);
    const csv = await request(system.app).get('/console/disclosures/export?format=csv&pnc=2002%2F0949875C&kind=disclosure').set('cookie', cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const last = Number(/disclosures-to-(\d+)\.csv/.exec(csv.headers['content-disposition'] ?? '')?.[1]);
    const download = (await system.ledger.query({ kind: 'audit', userId: 'ig-officer-1' }, { order: 'newest-first', limit: 1 })).entries[0];
    expect(download?.sequence).toBe(last);
    expect(download?.record.operationName).toBe('ConsoleExport');
    expect(csv.text).toContain('pp-9');
    const fhir = await request(system.app).get('/console/disclosures/export?format=fhir&pnc=2002%2F0949875C').set('cookie', cookie);
    expect(JSON.parse(fhir.text.split('\n')[0] ?? '{}').resourceType).toBe('AuditEvent');
    const housing = await signedIn({ ...officer, userId: 'housing-ig-officer-1', agency: 'housing', role: 'housing-ig-officer' });
    const scoped = await request(system.app).get('/console/disclosures/export?format=ndjson&pnc=2002%2F0949875C&kind=disclosure').set('cookie', housing.cookie);
    expect(scoped.status).toBe(200);
    expect(scoped.text).not.toContain('pp-9');
  });

  it("shows an agency's IG officer only the people the agency holds, by the agency's own identifiers", async () => {
    const housing = await signedIn({ ...officer, userId: 'housing-ig-officer-2', agency: 'housing', role: 'housing-ig-officer' });
    const people = [...system.directory.current().people()];
    const stranger = people.find((p) => p.identifiers.pnc !== undefined && p.records.every((r) => r.agency !== 'housing'));
    const tenant = people.find((p) => p.records.some((r) => r.agency === 'housing') && p.records.some((r) => r.agency !== 'housing' && r.identifiers.pnc));
    if (stranger === undefined || tenant === undefined) throw new Error('the test population has no one housing does not know, or no tenant with a PNC');
    const [given, family] = [stranger.records[0]?.givenName, stranger.records[0]?.familyName];
    const byName = await request(system.app)
      .get(`/console/people?name=${encodeURIComponent(`${given} ${family}`)}&dateOfBirth=${stranger.records[0]?.dateOfBirth}`)
      .set('cookie', housing.cookie);
    expect(byName.status).toBe(200);
    expect(byName.text).not.toContain(stranger.id);
    expect(byName.text).not.toContain(stranger.identifiers.pnc);
    const pnc = stranger.identifiers.pnc ?? '';
    const byPnc = await request(system.app)
      .get(`/console/people?kind=pnc&value=${encodeURIComponent(pnc)}`)
      .set('cookie', housing.cookie);
    expect(byPnc.text).toContain('not in the identity index now');
    expect(byPnc.text).not.toContain(stranger.id);
    for (const value of Object.values(stranger.identifiers)) if (value !== pnc) expect(byPnc.text).not.toContain(value);
    const report = await request(system.app)
      .get(`/console/access-report?pnc=${encodeURIComponent(pnc)}`)
      .set('cookie', housing.cookie);
    expect(report.status).toBe(200);
    expect(report.text).not.toContain(stranger.id);
    const tenantRecord = tenant.records.find((r) => r.agency === 'housing');
    const tenantSearch = await request(system.app)
      .get(`/console/people?name=${encodeURIComponent(`${tenantRecord?.givenName} ${tenantRecord?.familyName}`)}&dateOfBirth=${tenantRecord?.dateOfBirth}`)
      .set('cookie', housing.cookie);
    expect(tenantSearch.text).toContain(tenant.id);
    expect(tenantSearch.text).not.toContain(tenant.identifiers.pnc);
  });

  it('returns after sign-in only to a console page of ordinary length', () => {
    expect(returnToAfterSignIn('/console/alerts?days=30')).toBe('/console/alerts?days=30');
    for (const asked of [
      'https://elsewhere.example/console',
      '//elsewhere.example',
      '/graphql',
      `/console/people?name=${'a'.repeat(600)}`,
      ['/console/isp'],
      undefined,
    ]) {
      expect(returnToAfterSignIn(asked)).toBe('/console');
    }
  });

  it('finishes a sign-in only in the browser that began it', async () => {
    for (const cookie of [undefined, `${SIGN_IN_COOKIE}=someone-elses`]) {
      const state = `state-${Math.random()}`;
      await sessions.beginSignIn(state, 'verifier', 'nonce', '/console');
      const callback = request(system.app).get(`/console/callback?state=${state}&code=attackers-code`);
      const response = cookie === undefined ? await callback : await callback.set('cookie', cookie);
      expect(response.status).toBe(400);
      expect(response.text).toContain('This sign-in was started in another browser');
      expect(response.headers['set-cookie']?.[0]).toMatch(new RegExp(`^${SIGN_IN_COOKIE}=; Path=/console; HttpOnly; SameSite=Lax; Max-Age=0`));
    }
    const browser = await sessions.beginSignIn('state-here', 'verifier', 'nonce', '/console');
    const own = await request(system.app).get('/console/callback?state=state-here&code=x').set('cookie', `${SIGN_IN_COOKIE}=${browser}`);
    expect(own.text).not.toContain('another browser');
    // The sign-in is this browser's, but the identity provider does not answer: a failing dependency, named.
    expect(own.status).toBe(503);
    expect(own.text).toContain('Sign-in is unavailable: the identity provider http://127.0.0.1:9/ could not be reached');
  });

  it('refuses a form without the session CSRF token, and changes nothing', async () => {
    const { cookie, csrf } = await signedIn(officer);
    const before = (await system.ledger.query({ kind: 'alteration', userId: 'ig-officer-1' })).entries.length;
    const forged = await request(system.app).post('/console/alerts/abc').set('cookie', cookie).type('form').send({ decision: 'dismissed', note: 'forged' });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('This form has expired');
    const wrong = await request(system.app)
      .post('/console/alerts/abc')
      .set('cookie', cookie)
      .type('form')
      .send({ _csrf: `${csrf}x`, decision: 'dismissed', note: 'x' });
    expect(wrong.status).toBe(403);
    expect((await system.ledger.query({ kind: 'alteration', userId: 'ig-officer-1' })).entries.length).toBe(before);
    const signOut = await request(system.app).post('/console/sign-out').set('cookie', cookie).type('form').send({ _csrf: csrf });
    expect(signOut.status).toBe(303);
    expect(signOut.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Lax; Max-Age=0/);
    expect((await request(system.app).get('/console/isp').set('cookie', cookie)).status).toBe(303);
  });

  it('verifies the whole chain only from its form, never from a link', async () => {
    const { cookie, csrf } = await signedIn(officer);
    const byLink = await request(system.app).get('/console/integrity?full=true').set('cookie', cookie);
    expect(byLink.status).toBe(200);
    expect(byLink.text).toContain('From the last checkpoint');
    const forged = await request(system.app).post('/console/integrity').set('cookie', cookie).type('form').send({});
    expect(forged.status).toBe(403);
    const byForm = await request(system.app).post('/console/integrity').set('cookie', cookie).type('form').send({ _csrf: csrf });
    expect(byForm.status).toBe(200);
    expect(byForm.text).toContain('The whole chain from record 1');
  });

  it('answers hostile forms, cookies and asset addresses with a page a person can act on, never a 500', async () => {
    const { cookie, csrf } = await signedIn(officer);
    const form = () => request(system.app).post('/console/alerts/abc').set('cookie', cookie);
    const long = await form()
      .type('form')
      .send({ _csrf: csrf, decision: 'dismissed', note: 'x'.repeat(20_000) });
    expect(long.status).toBe(413);
    expect(long.text).toContain('too long');
    const many = await form()
      .type('form')
      .send(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'x'])));
    expect(many.status).toBe(413);
    const charset = await form().set('content-type', 'application/x-www-form-urlencoded; charset=klingon').send('_csrf=x');
    expect(charset.status).toBe(415);
    expect(charset.text).toContain('UTF-8');
    const damaged = await request(system.app).get('/console/isp').set('cookie', `${SESSION_COOKIE}=%E0%A4%A`);
    expect(damaged.status).toBe(303);
    for (const path of ['/console/assets/nope.png', '/console/assets/%2e%2e/x', '/console/assets/fonts/%E0']) {
      const asset = await request(system.app).get(path);
      expect(asset.status, path).toBeGreaterThanOrEqual(400);
      expect(asset.status, path).toBeLessThan(500);
      expect(asset.text, path).toContain('govuk-');
    }
  });

  it('refuses anyone the ISP does not make an IG officer', async () => {
    const { cookie } = await signedIn(practitioner);
    const response = await request(system.app).get('/console/disclosures').set('cookie', cookie);
    expect(response.status).toBe(403);
    expect(response.text).toContain('You cannot use this console');
  });
});

describe('the console settings', () => {
  it('refuse to start in production unless browsers reach the console over https, or on localhost', () => {
    const production = { NODE_ENV: 'production' };
    expect(() => consoleSettings(production, 4000)).toThrow(/CONSOLE_PUBLIC_URL must be the https:\/\/ address/);
    expect(() => consoleSettings({ ...production, CONSOLE_PUBLIC_URL: 'http://gateway.partner.example' }, 4000)).toThrow(/it is http:\/\/gateway/);
    expect(consoleSettings({ ...production, CONSOLE_PUBLIC_URL: 'https://gateway.partner.example/' }, 4000).publicUrl).toBe('https://gateway.partner.example');
    expect(consoleSettings({ ...production, CONSOLE_PUBLIC_URL: 'http://localhost:4000' }, 4000).publicUrl).toBe('http://localhost:4000');
    expect(consoleSettings({ NODE_ENV: 'development' }, 4000).publicUrl).toBe('http://localhost:4000');
  });
});
