/**
 * A record the ledger's own checks refuse is a fault in the gateway, not an outage: the request discloses nothing,
 * the caller is told which it is (not "the ledger is down, try again"), and the operators' log says so. The edge's
 * name limit keeps callers from reaching this; here it is raised, as a gateway fault would, to reach it.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../gateway/plugins/limits.js';
import { defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

let system: TestSystem;
const logged: string[] = [];

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString());
      done();
    },
  });
  system = await startTestSystem({
    policy: defaultPolicy(),
    // Names far past what a record's paths may hold: the record this request makes is refused by the ledger.
    limits: { ...DEFAULT_LIMITS, maxNameLength: 5_000 },
    observability: { logger: pino({ level: 'info' }, destination) },
  });
});
afterAll(async () => {
  await system?.close();
});

const newest = async () => (await system.ledger.query({}, { order: 'newest-first', limit: 1 })).entries[0]?.sequence;

describe('a record the ledger refuses', () => {
  it('discloses nothing, names the gateway’s fault rather than an outage, writes nothing and is logged', async () => {
    const person = system.population.people.find((candidate) => candidate.identifiers.crn !== undefined);
    const crn = person?.identifiers.crn as string;
    const ask = (alias: string) => system.query(`{ person(crn: "${crn}") { ${alias}: name { familyName } } }`);

    // The same question under a name the ledger can hold is answered and recorded.
    const before = await newest();
    const answered = await ask('n');
    expect(answered.status).toBe(200);
    expect(answered.body.data).not.toBeNull();
    const recorded = await newest();
    expect(recorded).not.toBe(before);

    const refused = await ask('a'.repeat(1_100));
    expect(refused.status).toBe(500);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/fault in the gateway, not an outage/),
        extensions: expect.objectContaining({ code: 'RECORD_REFUSED', requestId: expect.any(String) }),
      }),
    ]);
    expect(JSON.stringify(refused.body)).not.toContain(person?.familyName as string);
    expect(await newest()).toBe(recorded);
    expect(logged.filter((line) => line.includes('the ledger refused a disclosure record'))).toHaveLength(1);
  });
});
