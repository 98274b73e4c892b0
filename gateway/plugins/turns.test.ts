import { describe, expect, it } from 'vitest';
import { type Refusal, Turns } from './turns.js';

/** An operation that runs until released, noting when it starts. */
function operation(name: string, started: string[]) {
  let release: (value: string) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const work = () => {
    started.push(name);
    return new Promise<string>((resolve, reject) => {
      release = resolve;
      fail = reject;
    });
  };
  return { work, release: () => release(name), fail: (error: Error) => fail(error) };
}

const refusedAs = (why: Refusal) => `refused: ${why}`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('costly operations taking turns', () => {
  it('runs one at a time, and serves another caller before the same caller again', async () => {
    const turns = new Turns(4, 10_000);
    const started: string[] = [];
    const [a1, a2, a3, b1] = ['a1', 'a2', 'a3', 'b1'].map((name) => operation(name, started)) as [
      ReturnType<typeof operation>,
      ReturnType<typeof operation>,
      ReturnType<typeof operation>,
      ReturnType<typeof operation>,
    ];
    const answers = [turns.run('a', a1.work, refusedAs), turns.run('a', a2.work, refusedAs), turns.run('a', a3.work, refusedAs)];
    answers.push(turns.run('b', b1.work, refusedAs));
    await settle();
    expect(started).toEqual(['a1']);
    a1.release();
    await settle();
    expect(started).toEqual(['a1', 'b1']);
    b1.release();
    await settle();
    a2.release();
    await settle();
    a3.release();
    expect(await Promise.all(answers)).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(started).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('refuses at once a caller with as many waiting as it may have, and no one else', async () => {
    const turns = new Turns(2, 10_000);
    const started: string[] = [];
    const running = operation('a1', started);
    const first = turns.run('a', running.work, refusedAs);
    const waiting = [operation('a2', started), operation('a3', started)].map((op) => ({ op, answer: turns.run('a', op.work, refusedAs) }));
    expect(await turns.run('a', operation('a4', started).work, refusedAs)).toBe('refused: too-many-waiting');
    const other = operation('b1', started);
    const otherAnswer = turns.run('b', other.work, refusedAs);
    running.release();
    await settle();
    other.release();
    await settle();
    for (const { op } of waiting) {
      op.release();
      await settle();
    }
    expect([await first, await otherAnswer, ...(await Promise.all(waiting.map((w) => w.answer)))]).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('refuses an operation that waited too long without starting, and never runs it', async () => {
    const turns = new Turns(4, 40);
    const started: string[] = [];
    const running = operation('a1', started);
    const first = turns.run('a', running.work, refusedAs);
    const late = turns.run('b', operation('b1', started).work, refusedAs);
    expect(await late).toBe('refused: waited-too-long');
    running.release();
    expect(await first).toBe('a1');
    const after = operation('c1', started);
    const next = turns.run('c', after.work, refusedAs);
    await settle();
    after.release();
    expect(await next).toBe('c1');
    expect(started).toEqual(['a1', 'c1']);
  });

  it('puts a caller just served behind every other caller waiting, even one whose first operation did not wait', async () => {
    const turns = new Turns(4, 10_000);
    const started: string[] = [];
    const ops = new Map(['a1', 'a2', 'a3', 'b1', 'b2', 'c1'].map((name) => [name, operation(name, started)]));
    const answers = ['a1', 'a2', 'a3', 'b1', 'b2', 'c1'].map((name) =>
      turns.run(name[0] as string, (ops.get(name) as ReturnType<typeof operation>).work, refusedAs),
    );
    for (let i = 0; i < 6; i++) {
      await settle();
      ops.get(started.at(-1) as string)?.release();
    }
    await Promise.all(answers);
    expect(started).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('does not refuse an operation that started before its deadline, however long it then runs', async () => {
    const turns = new Turns(4, 40);
    const started: string[] = [];
    const first = operation('a1', started);
    const long = operation('b1', started);
    const firstAnswer = turns.run('a', first.work, refusedAs);
    const longAnswer = turns.run('b', long.work, refusedAs);
    await settle();
    first.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    long.release();
    expect([await firstAnswer, await longAnswer]).toEqual(['a1', 'b1']);
  });

  it('lets an operation whose client has gone leave its queue without running, freeing its place', async () => {
    const turns = new Turns(1, 10_000);
    const started: string[] = [];
    const running = operation('a1', started);
    const first = turns.run('a', running.work, refusedAs);
    const client = new AbortController();
    const gone = turns.run('b', operation('b1', started).work, refusedAs, client.signal);
    client.abort();
    expect(await gone).toBe('refused: abandoned');
    const next = operation('b2', started);
    const nextAnswer = turns.run('b', next.work, refusedAs);
    await settle();
    running.release();
    await settle();
    next.release();
    expect([await first, await nextAnswer]).toEqual(['a1', 'b2']);
    expect(started).toEqual(['a1', 'b2']);
  });

  it('hands the turn on when an operation fails', async () => {
    const turns = new Turns(4, 10_000);
    const started: string[] = [];
    const failing = operation('a1', started);
    const failed = turns.run('a', failing.work, refusedAs);
    const next = operation('b1', started);
    const answer = turns.run('b', next.work, refusedAs);
    await settle();
    failing.fail(new Error('agency down'));
    await expect(failed).rejects.toThrow('agency down');
    await settle();
    next.release();
    expect(await answer).toBe('b1');
  });
});
