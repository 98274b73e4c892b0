/**
 * Trusted documents: a client application's registered documents run by id, and are recorded in the ledger by
 * that id; a client marked trusted-documents-only (policies/clients.yaml) can run nothing else, with a coded
 * error; other clients are unaffected; the committed manifests are what `npm run documents` writes.
 */
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustedDocuments } from '../gateway/documents/manifest.js';
import { staleManifests } from '../gateway/documents/register.js';
import { startTestSystem, type TestSystem } from './harness.js';

const CARL = '2002/0949875C';
const CLIENT = 'iom-case-tool';
const manifest = JSON.parse(readFileSync(`documents/${CLIENT}/persisted-documents.json`, 'utf8')) as Record<string, string>;
const idOf = (operation: string) => {
  const found = Object.entries(manifest).find(([, text]) => text.includes(`query ${operation}(`));
  if (!found) throw new Error(`no registered ${operation}`);
  return found[0];
};

describe('trusted documents', () => {
  let system: TestSystem;
  let enforcing: TestSystem;

  /** Asks as the IOM coordinator using `client`, and expects HTTP `status`. */
  const ask = async (target: TestSystem, client: string, body: Record<string, unknown>, status: number) => {
    const bearer = await target.token({ sub: 'cm-0001', role: 'iom-coordinator', agency: 'iom', azp: client });
    return request(target.app)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${bearer}`)
      .set('x-purpose', 'iom-case-management')
      .send(body)
      .expect(status);
  };

  beforeAll(async () => {
    const documents = TrustedDocuments.load('policies/clients.yaml');
    [enforcing, system] = await Promise.all([
      startTestSystem({ observability: { documents, enforceTrustedDocuments: true } }),
      startTestSystem({ observability: { documents, enforceTrustedDocuments: false } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([enforcing?.close(), system?.close()]);
  });

  it('runs a registered document by id and records the id in the ledger', async () => {
    const id = idOf('PersonSummary');
    const answer = await ask(enforcing, CLIENT, { documentId: `sha256:${id}`, variables: { pnc: CARL } }, 200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.person.name.familyName).toBe('Rhodes');
    const page = await enforcing.ledger.query({}, { order: 'newest-first', limit: 50 });
    const recorded = page.entries.filter((entry) => entry.record.requestId === answer.body.extensions.requestId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.record).toMatchObject({ documentId: `sha256:${id}`, principal: { clientApplication: CLIENT } });
  });

  it('accepts the bare hash as the id too', async () => {
    const answer = await ask(enforcing, CLIENT, { documentId: idOf('CohortPage'), variables: { first: 2 } }, 200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.cohort.edges).toHaveLength(2);
  });

  it('refuses a trusted-documents-only client a document it did not register, with a coded error', async () => {
    const answer = await ask(enforcing, CLIENT, { query: `{ person(pnc: "${CARL}") { id } }` }, 403);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors[0].extensions.code).toBe('TRUSTED_DOCUMENTS_ONLY');
    expect(answer.body.errors[0].message).toContain(CLIENT);
  });

  it('refuses an id nobody registered, naming it as such', async () => {
    const answer = await ask(enforcing, CLIENT, { documentId: `sha256:${'0'.repeat(64)}` }, 400);
    expect(answer.body.errors[0].extensions.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
  });

  it('refuses a malformed id, and an id sent with a query', async () => {
    const malformed = await ask(enforcing, CLIENT, { documentId: 'PersonSummary' }, 400);
    expect(malformed.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    const both = await ask(enforcing, CLIENT, { documentId: `sha256:${idOf('PersonSummary')}`, query: '{ __typename }' }, 400);
    expect(both.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('lets any other client run its own documents, and registered ones by id', async () => {
    const own = await ask(enforcing, 'another-tool', { query: `{ person(pnc: "${CARL}") { id } }` }, 200);
    expect(own.body.errors).toBeUndefined();
    const byId = await ask(enforcing, 'another-tool', { documentId: `sha256:${idOf('PersonSummary')}`, variables: { pnc: CARL } }, 200);
    expect(byId.body.errors).toBeUndefined();
  });

  it('outside production (not enforcing), lets the trusted-only client run anything', async () => {
    const answer = await ask(system, CLIENT, { query: `{ person(pnc: "${CARL}") { id } }` }, 200);
    expect(answer.body.errors).toBeUndefined();
  });

  it('keeps the committed manifests as npm run documents writes them', () => {
    expect(staleManifests()).toEqual([]);
  });

  it('ships every client manifest in the image, since a trusted-only client without one stops start-up', () => {
    expect(readFileSync('docker/Dockerfile', 'utf8')).toMatch(/^COPY documents documents$/m);
  });

  it('stops start-up when a trusted-documents-only client has no manifest', () => {
    expect(() => TrustedDocuments.load('policies/clients.yaml', 'tests/fixtures/no-such-dir')).toThrow(/iom-case-tool may run only trusted documents/);
  });
});
