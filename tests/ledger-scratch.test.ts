import { it } from 'vitest';
import { COORDINATOR, defaultPolicy, startTestSystem } from './harness.js';
it('scratch', async () => {
  let t = performance.now();
  const system = await startTestSystem({ policy: defaultPolicy() });
  console.log('start', performance.now() - t);
  const c = system.population.people.filter((p) => p.cohort && !(p.drugs?.consent.recorded && p.drugs.consent.scope === 'iom-partners') && p.drugs);
  const p = c[0]!;
  console.log(p.index, p.drugs?.consent);
  t = performance.now();
  const r = await system.query('query($p: String) { person(pnc: $p) { id drugs { treatmentEngagement { engaged } consent { recorded } } } }', { p: p.identifiers.pnc });
  console.log('q', performance.now() - t, JSON.stringify(r.body, null, 1));
  await system.close();
}, 60000);
