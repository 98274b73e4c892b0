import { describe, expect, it } from 'vitest';
import police from '../police/index.js';
import { createPopulation } from '../population/generate.js';
import { createRandom } from '../population/random.js';
import { startSimulator } from './simulator.js';
import { indexInReference, streamedRecords } from './streamed-records.js';

describe('records streamed from the population', () => {
  const population = createPopulation({ size: 3000 });
  // Held, so the many draws below are quick; the simulator test further down holds no one.
  void population.people;
  // An agency that knows every third person, under a reference made from the index.
  const records = streamedRecords(
    population,
    (person) =>
      person.index % 3 === 0 ? { key: `REF-${String(person.index).padStart(7, '0')}`, record: () => ({ index: person.index, notes: [] as string[] }) } : null,
    indexInReference('REF-'),
  );

  it('reads a key back to its person, and knows no key it never issued', () => {
    expect(records.byKey('REF-0000300')?.index).toBe(300);
    expect(records.byKey('REF-0000301')).toBeUndefined();
    expect(records.byKey('REF-0003000')).toBeUndefined();
    expect(records.byKey('something else')).toBeUndefined();
  });

  it('prefers members of the cohort four times in five, and keeps what an event changed', () => {
    const random = createRandom(1);
    const picks = Array.from({ length: 500 }, () => records.pick(random));
    const members = picks.filter((record) => record !== null && population.person(record.index).cohort !== null).length;
    expect(members).toBeGreaterThan(350);
    expect(members).toBeLessThan(450);
    const picked = records.pick(random, (record) => record.index > 2000);
    picked?.notes.push('changed by an event');
    expect(picked?.index).toBeGreaterThan(2000);
    expect(records.byKey(`REF-${String(picked?.index).padStart(7, '0')}`)?.notes).toEqual(['changed by an event']);
    expect(records.pick(random, () => false)).toBeNull();
  });
});

describe('a simulator over a large population', () => {
  it('serves a page from the middle of its identity change feed and a batch without building the rest', async () => {
    const population = createPopulation({ size: 200_000 });
    const running = await startSimulator(police.createSimulator(population));
    try {
      const started = performance.now();
      type ChangePage = { items: { reference: string }[]; cursor: string; more: boolean };
      const changesAfter = async (query: string) => (await (await fetch(`${running.url}/identity-changes?${query}`)).json()) as ChangePage;
      // A cursor names the population, the run and a position: the first page's, moved on to the 150,000th person.
      const [generation, run] = (await changesAfter('limit=1')).cursor.split('.');
      const page = await changesAfter(`after=${generation}.${run}.150000&limit=50`);
      expect(page.items).toHaveLength(50);
      const indexes = page.items.map((item) => population.indexOf('pnc', item.reference) ?? -1);
      expect(indexes[0]).toBeGreaterThanOrEqual(150_000);
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      expect(Number(page.cursor.split('.')[2])).toBeGreaterThan(indexes.at(-1) ?? 0);
      expect(page.more).toBe(true);
      const keys = [population.person(199_990), population.person(123_457), population.person(5)].flatMap((p) =>
        p.police ? [p.identifiers.pnc as string] : [],
      );
      const batch = await fetch(`${running.url}/nominals/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys: [...keys, '2001/0000001Z'] }),
      });
      expect(((await batch.json()) as { records: { pncId: string }[] }).records.map((r) => r.pncId)).toEqual(keys);
      // Made from the people asked about: far quicker than building 200,000.
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await running.close();
    }
  });
});
