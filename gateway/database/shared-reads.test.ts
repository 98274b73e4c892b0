import { describe, expect, it } from 'vitest';
import { SharedReads } from './shared-reads.js';

/** A table read by key, whose reads finish only when the test says so. */
function table(rows: Map<string, number>) {
  const reads: { keys: string[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const shared = new SharedReads<number>(
    (keys) =>
      new Promise((resolve, reject) => {
        // What the table holds when the read is made, not when it finishes.
        const answer = new Map(keys.flatMap((key) => (rows.has(key) ? [[key, rows.get(key) as number] as const] : [])));
        reads.push({ keys, finish: () => resolve(answer), fail: reject });
      }),
  );
  return { shared, reads };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedReads', () => {
  it('answers the keys asked together with one read, the unknown as undefined', async () => {
    const { shared, reads } = table(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    const answers = Promise.all([shared.load('a'), shared.load('b'), shared.load('a'), shared.load('nobody')]);
    await turn();
    expect(reads.map((read) => read.keys)).toEqual([['a', 'b', 'nobody']]);
    reads[0]?.finish();
    expect(await answers).toEqual([1, 2, 1, undefined]);
  });

  it('sends a key asked during a read in the next read, so a change made before it was asked is seen', async () => {
    const rows = new Map([['a', 1]]);
    const { shared, reads } = table(rows);
    const first = shared.load('a');
    await turn();
    rows.set('a', 2);
    const second = shared.load('a');
    const other = shared.load('b');
    await turn();
    expect(reads).toHaveLength(1);
    reads[0]?.finish();
    expect(await first).toBe(1);
    await turn();
    expect(reads.map((read) => read.keys)).toEqual([['a'], ['a', 'b']]);
    reads[1]?.finish();
    expect(await second).toBe(2);
    expect(await other).toBeUndefined();
  });

  it('fails only the waiters of a read that fails, and goes on reading', async () => {
    const { shared, reads } = table(new Map([['a', 1]]));
    const failing = shared.load('a');
    await turn();
    const later = shared.load('a');
    reads[0]?.fail(new Error('database down'));
    await expect(failing).rejects.toThrow('database down');
    await turn();
    reads[1]?.finish();
    expect(await later).toBe(1);
  });

  it('reads a full batch at once rather than behind the read in flight, and no more than four at a time', async () => {
    const { shared, reads } = table(new Map());
    void shared.load('first');
    await turn();
    const keys = Array.from({ length: 5_000 }, (_, i) => `k${i}`);
    const many = shared.loadMany(keys);
    await turn();
    // The read in flight, and three more of 1,000 keys each; the rest wait for one of them to end.
    expect(reads.map((read) => read.keys.length)).toEqual([1, 1_000, 1_000, 1_000]);
    for (const read of reads) read.finish();
    await turn();
    expect(reads.map((read) => read.keys.length)).toEqual([1, 1_000, 1_000, 1_000, 1_000, 1_000]);
    for (const read of reads.slice(4)) read.finish();
    expect((await many).size).toBe(0);
  });

  it('answers many keys as a map of those known', async () => {
    const { shared, reads } = table(
      new Map([
        ['a', 1],
        ['c', 3],
      ]),
    );
    const many = shared.loadMany(['a', 'b', 'c']);
    await turn();
    reads[0]?.finish();
    expect(await many).toEqual(
      new Map([
        ['a', 1],
        ['c', 3],
      ]),
    );
  });
});
