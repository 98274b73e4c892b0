/**
 * The IG console in real Chromium, signing in through the development identity provider as a new user would:
 * find Carl Rhodes by PNC and read his subject access report, download it as CSV, find two people who share a name and
 * date of birth with the weights behind each, triage an alert and find the triage in the ledger, an agency IG officer not seeing other agencies' records, a probation practitioner refused;
 * axe-core (WCAG 2.2 AA) on every page. UPDATE_SCREENSHOTS=1 writes the README's screenshots to docs/console/.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { exportJWK, generateKeyPair } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRINKLES } from '../../adapters/population/generate.js';
import type { SyntheticPerson } from '../../adapters/population/types.js';
import { createDevIdp } from '../../gateway/dev-idp/provider.js';
import { defaultPolicy, startTestSystem, type TestSystem } from '../harness.js';
import { type Listening, listen } from '../hostile-requests.js';
import { chromiumPresent, launchChromium } from './chromium.js';

const CARL = '2002/0949875C';
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/console' : undefined;
/** The pages the README shows. */
const README_PAGES = new Set(['dashboard', 'subject-access-report', 'alert']);
const describeInChromium = chromiumPresent ? describe : describe.skip;

describeInChromium('the IG console in Chromium', () => {
  let system: TestSystem;
  let gateway: Listening;
  let idp: Listening;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    let gatewayApp: RequestListener = (_req, res) => res.writeHead(503).end();
    let idpApp: RequestListener = (_req, res) => res.writeHead(503).end();
    gateway = await listen(createServer((req, res) => gatewayApp(req, res)));
    idp = await listen(createServer((req, res) => idpApp(req, res)));
    const policy = defaultPolicy();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const signingKey = { ...(await exportJWK(privateKey)), kid: 'browser-suite', alg: 'ES256', use: 'sig' };
    idpApp = createDevIdp({
      issuer: idp.url,
      catalogue: policy,
      signingKey,
      redirectUris: [`${gateway.url}/console/callback`],
      postLogoutRedirectUris: [`${gateway.url}/console/signed-out`],
    }).app;
    system = await startTestSystem({ policy, console: { issuer: idp.url, publicUrl: gateway.url } });
    gatewayApp = system.app;
    // What the partnership did with Carl's data: a probation practitioner's case work, a housing officer's, and a
    // police officer's break-glass look-up, which raises an alert.
    const person = `{ person(pnc: "${CARL}") { name { givenName familyName } probation { riskOfSeriousHarm } housing { accommodationStatus } } }`;
    for (const caller of [
      { role: 'probation-practitioner', agency: 'probation', sub: 'pp-0042', purpose: 'iom-case-management' },
      { role: 'housing-officer', agency: 'housing', sub: 'ho-0007', purpose: 'iom-case-management' },
      { role: 'police-offender-manager', agency: 'police', sub: 'pc-1234', purpose: 'emergency', justification: 'Risk to life: incident 42' },
    ]) {
      const answer = await system.query(person, {}, caller);
      expect(answer.status).toBe(200);
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await system?.close();
    await gateway?.close();
    await idp?.close();
  });

  /** A new browser, signed in through the identity provider's page as the named member of staff. */
  async function signIn(sub: string, checkSignInPage = false): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${gateway.url}/console`);
    expect(page.url().startsWith(`${idp.url}/interaction/`)).toBe(true);
    if (checkSignInPage) await accessible(page, 'identity-provider-sign-in');
    await page.getByLabel(new RegExp(`\\(${sub},`)).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.toString().startsWith(gateway.url));
    return page;
  }

  async function accessible(page: Page, name: string): Promise<void> {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    expect(
      results.violations.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.length})`),
      name,
    ).toEqual([]);
    if (SCREENSHOTS && README_PAGES.has(name)) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  let officer: Page;

  it('signs an IG officer in through the identity provider and shows the dashboard', async () => {
    officer = await signIn('ig-officer-1', true);
    await expect(officer.getByRole('heading', { name: 'Dashboard', level: 1 }).isVisible()).resolves.toBe(true);
    expect(await officer.textContent('body')).toContain("you see the whole partnership's ledger");
    await accessible(officer, 'dashboard');
  });

  it('finds Carl Rhodes by PNC and reads his subject access report, with a print view', async () => {
    await officer.getByRole('link', { name: 'Find a person' }).click();
    await accessible(officer, 'find-a-person');
    await officer.getByLabel('Identifier').selectOption('pnc');
    await officer.getByLabel('Value').fill(CARL);
    await officer.getByRole('button', { name: 'Find' }).click();
    await accessible(officer, 'people-found');
    await officer.getByRole('link', { name: /Subject access report/ }).click();
    await officer.waitForURL(/\/console\/access-report\?pnc=/);
    const report = (await officer.textContent('main')) ?? '';
    expect(report).toContain('probation-practitioner');
    expect(report).toContain('housing-officer');
    expect(report).toContain('Break-glass');
    expect(report).toContain('Crime and Disorder Act 1998');
    await accessible(officer, 'subject-access-report');
    await officer.getByRole('link', { name: 'Print view' }).click();
    expect(await officer.textContent('main')).toContain('Prepared');
    await accessible(officer, 'subject-access-report-print');
    await officer.goBack();
  });

  it('downloads the subject access report as CSV', async () => {
    const [download] = await Promise.all([officer.waitForEvent('download'), officer.getByRole('link', { name: 'Download as CSV' }).click()]);
    const csv = await readFile((await download.path()) ?? '', 'utf8');
    const [header, ...rows] = csv.trim().split('\r\n');
    expect(header).toContain('"recipient_role"');
    expect(rows.some((row) => row.includes('"pp-0042"') && row.includes('"probation-practitioner"'))).toBe(true);
    expect(download.suggestedFilename()).toMatch(/^subject-access-2002-0949875C-\d+\.csv$/);
  });

  it('finds two people who share a name and date of birth, with the weights behind each, and beside a person found by identifier the records that may be them', async () => {
    const [a, b] = WRINKLES.sameNameAndDateOfBirth.map((index) => system.population.people[index]) as [SyntheticPerson, SyntheticPerson];
    await officer.getByRole('link', { name: 'Find a person' }).click();
    await officer.getByLabel('Name').fill(`${a.givenName} ${a.familyName}`);
    await officer.getByLabel('Date of birth').fill(a.dateOfBirth);
    await officer.getByRole('button', { name: 'Find' }).click();
    await officer.getByText('How to read the weights').click();
    const weights = officer.locator('table[id^="candidate-"]');
    expect(await weights.count()).toBeGreaterThanOrEqual(2);
    expect(await officer.locator('main').textContent()).toContain(a.identifiers.pnc ?? '');
    expect(await officer.locator('main').textContent()).toContain(b.identifiers.pnc ?? '');
    expect(await weights.first().locator('tbody th').allTextContents()).toEqual(['Given name', 'Family name', 'Date of birth']);
    await accessible(officer, 'people-found-by-name-with-weights');
    // From a candidate's match weight to the weights behind it.
    await officer.locator('tbody a[href="#candidate-1"]').click();
    expect(officer.url()).toMatch(/#candidate-1$/);

    const probableOnly = system.population.people[WRINKLES.probableOnly] as SyntheticPerson;
    await officer.goto(`${gateway.url}/console/people?kind=pnc&value=${encodeURIComponent(probableOnly.identifiers.pnc ?? '')}`);
    expect(await officer.getByRole('heading', { name: 'Records that may be the same person' }).isVisible()).toBe(true);
    expect(await officer.locator('table[id^="probable-"]').count()).toBe(1);
    await accessible(officer, 'probable-matches-with-weights');
  });

  it('searches disclosures and opens a record with its place in the chain', async () => {
    await officer.getByRole('link', { name: 'Disclosures' }).click();
    await officer.getByLabel('Purpose').selectOption('emergency');
    await officer.getByRole('button', { name: 'Search' }).click();
    await accessible(officer, 'disclosures');
    await officer.locator('tbody a').first().click();
    expect(await officer.textContent('main')).toContain('Place in the chain');
    expect(await officer.textContent('main')).toContain('Risk to life: incident 42');
    await accessible(officer, 'record');
  });

  it('triages an alert, and the triage is found in the ledger', async () => {
    await officer.getByRole('link', { name: 'Alerts' }).click();
    await accessible(officer, 'alerts');
    await officer.getByRole('link', { name: 'Break-glass access' }).first().click();
    // Submitting without a decision or note says what is missing.
    await officer.getByRole('button', { name: 'Record decision' }).click();
    expect(await officer.textContent('.govuk-error-summary')).toContain('Choose acknowledge, escalate or dismiss');
    await accessible(officer, 'alert-with-errors');
    await officer.getByLabel(/^Escalate/).check();
    await officer.getByLabel('Note').fill('Asked the police IOM sergeant to confirm the incident');
    await officer.getByRole('button', { name: 'Record decision' }).click();
    await accessible(officer, 'alert');
    expect(await officer.textContent('main')).toContain('Escalated by');
    await officer.getByRole('link', { name: /ledger record \d+/ }).click();
    expect(await officer.textContent('main')).toContain('alert-triage');
    const found = await system.ledger.query({ kind: 'alteration', userId: 'ig-officer-1' });
    expect(found.entries.map((entry) => entry.record.alteration)).toContainEqual(
      expect.objectContaining({
        register: 'alert-triage',
        action: 'escalated',
        details: expect.objectContaining({ note: 'Asked the police IOM sergeant to confirm the incident' }),
      }),
    );
  });

  it('shows integrity and the ISP, with review dates marked and a chart per clause', async () => {
    await officer.getByRole('link', { name: 'Integrity' }).click();
    expect(await officer.textContent('main')).toContain('The chain holds');
    await accessible(officer, 'integrity');
    await officer.getByRole('link', { name: 'ISP', exact: true }).click();
    expect(await officer.locator('svg[role="img"] rect').count()).toBeGreaterThan(0);
    await accessible(officer, 'isp');
  });

  it('works from the keyboard alone: the skip link first, then the navigation', async () => {
    const page = await signIn('ig-officer-2');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to main content');
    for (let presses = 0; presses < 10; presses++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === 'Find a person') break;
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/people/);
  });

  it("shows an agency IG officer their own agency's share and not another agency's records", async () => {
    const police = await signIn('police-ig-officer-1');
    expect(await police.textContent('body')).toContain("police's share");
    const housingRecord = (await system.ledger.query({ agency: 'housing', kind: 'disclosure' })).entries[0];
    expect(housingRecord).toBeDefined();
    await police.goto(`${gateway.url}/console/disclosures/${housingRecord?.sequence}`);
    expect(await police.textContent('main')).toContain('Record not found');
    await police.goto(`${gateway.url}/console/disclosures`);
    const listed = await police.locator('tbody tr').allTextContents();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.some((row) => row.includes('housing-officer'))).toBe(false);
    await police.goto(`${gateway.url}/console/access-report?pnc=${encodeURIComponent(CARL)}`);
    const report = (await police.textContent('main')) ?? '';
    expect(report).toContain('police-offender-manager');
    expect(report).not.toContain('ho-0007');
  });

  it('refuses a probation practitioner', async () => {
    const practitioner = await signIn('probation-practitioner-1');
    expect(await practitioner.textContent('h1')).toBe('You cannot use this console');
    await accessible(practitioner, 'refused');
    await practitioner.goto(`${gateway.url}/console/disclosures`);
    // No session was made: back to sign-in.
    expect(practitioner.url()).not.toContain('/console/disclosures');
  });

  it('signs out', async () => {
    await officer.getByRole('button', { name: 'Sign out' }).click();
    // The identity provider asks to confirm, then sends the browser back to the console.
    await officer.waitForURL(/\/session\/end/);
    await accessible(officer, 'identity-provider-sign-out');
    await officer.getByRole('button', { name: 'Yes, sign me out' }).click();
    await officer.waitForURL(/\/console\/signed-out$/);
    await accessible(officer, 'signed-out');
    // Signed out of both: the console asks the provider, which asks who is signing in.
    await officer.goto(`${gateway.url}/console/alerts`);
    expect(officer.url().startsWith(`${idp.url}/interaction/`)).toBe(true);
  });
});
