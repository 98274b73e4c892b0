/**
 * Costly operations run one at a time, in turns by caller: a partner sending a burst of them cannot put another
 * partner's behind all of its own, and what it sends past its share of waiting is refused at once, with a code and
 * Retry-After, rather than queued without end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencies } from '../adapters/registry.js';
import { DEFAULT_LIMITS } from '../gateway/plugins/limits.js';
import { COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

let system: TestSystem;

beforeAll(async () => {
  // Four waiting per caller, not the default, to reach the bound with a burst of a few.
  system = await startTestSystem({ policy: defaultPolicy(), limits: { ...DEFAULT_LIMITS, maxCostlyWaiting: 4 } });
  // Each agency slow enough that the first costly operation is still running when the whole burst has arrived.
  for (const module of agencies) system.setFaults(module.agency, { latencyMs: 300 });
});
afterAll(async () => {
  await system?.close();
});

/** Two pages of 100 with a field from each of two agencies: over a quarter of the cost limit, so it takes a turn. */
const COSTLY = /* GraphQL */ `{
  a: cohort(first: 100) { edges { node { id name { familyName } iom { serviceLevel } probation { ogrs { band } } police { arrests { offence } } } } }
  b: cohort(first: 100) { edges { node { id name { givenName } iom { strand } probation { riskOfSeriousHarm } police { warningMarkers { type } } } } }
}`;

describe('costly operations from several callers', () => {
  it('serves a second caller in the first one’s burst, and refuses the burst past its share of waiting', async () => {
    const finished: string[] = [];
    const ask = (sub: string, label: string) =>
      system.query(COSTLY, undefined, { ...COORDINATOR, sub }).then((response) => {
        finished.push(label);
        return response;
      });
    // One runs and four wait; the sixth and seventh are more than the caller may have waiting.
    const burst = Array.from({ length: 7 }, (_, i) => ask('coordinator-burst', `burst-${i}`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const other = await ask('coordinator-other', 'other');

    expect(other.status).toBe(200);
    expect(other.body.errors ?? []).toEqual([]);
    const answers = await Promise.all(burst);
    const refused = answers.filter((response) => response.status === 429);
    expect(refused).toHaveLength(2);
    for (const response of refused) {
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
      expect(response.body.errors?.[0]?.message).toMatch(/already have 4 costly operations waiting/);
    }
    expect(answers.filter((response) => response.status === 200 && (response.body.errors ?? []).length === 0)).toHaveLength(5);
    // The other caller was served after the burst's first, not after all five of its answered ones.
    const answeredBurst = finished.filter((label) => label.startsWith('burst-') && answers[Number(label.slice(6))]?.status === 200);
    expect(finished.indexOf('other')).toBeLessThan(finished.indexOf(answeredBurst[2] as string));
  });
});
