import { it } from 'vitest';
import request from 'supertest';
import { COORDINATOR, defaultPolicy, startTestSystem } from './harness.js';
it('repro', async () => {
  const s = await startTestSystem({ policy: defaultPolicy() });
  const token = await s.token({ sub: 'x', role: 'iom-coordinator', agency: 'iom' });
  const show = (name: string, r: request.Response) => console.log(name, r.status, r.headers['content-type'], JSON.stringify(r.text).slice(0, 300));
  show('get-bad-vars', await request(s.app).get('/graphql?query=%7B__typename%7D&variables=%7B%22a').set('authorization', `Bearer ${token}`).set('x-purpose', 'iom-case-management'));
  show('get-bad-vars-noauth', await request(s.app).get('/graphql?query=%7B__typename%7D&variables=%7B%22a'));
  for (const accept of ['text/html', 'text/plain', 'image/png', 'application/xml', 'text/html, application/json;q=0.1']) {
    show(`post-accept ${accept}`, await request(s.app).post('/graphql').set('authorization', `Bearer ${token}`).set('x-purpose', 'iom-case-management').set('content-type', 'application/json').set('accept', accept).send({ query: '{ __typename }' }));
  }
  show('get-accept-png', await request(s.app).get('/graphql?query=%7B__typename%7D').set('authorization', `Bearer ${token}`).set('x-purpose', 'iom-case-management').set('accept', 'image/png'));
  for (const d of [1000, 1500, 2000, 2500]) {
    const r = await s.query(`{ person(crn: ${'{a: '.repeat(d)}"x"${'}'.repeat(d)}) { id } }`, {}, COORDINATOR);
    console.log('obj', d, r.status, JSON.stringify(r.body).slice(0, 100));
    const r2 = await s.query(`{ person(crn: ${'['.repeat(d)}"x"${']'.repeat(d)}) { id } }`, {}, COORDINATOR);
    console.log('list', d, r2.status, JSON.stringify(r2.body).slice(0, 100));
  }
  await s.close();
}, 120000);
