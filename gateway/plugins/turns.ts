/**
 * Costly operations run one at a time, in turns by caller. Each caller waits in a queue of its own and the queues are
 * served in rotation, so a caller sending many cannot put everyone else's behind all of its own. A caller may have a
 * bounded number waiting; past that, or once one has waited too long without starting, it is refused at once rather
 * than left hanging. One whose client has gone leaves its queue without running.
 */
export type Refusal = 'too-many-waiting' | 'waited-too-long' | 'abandoned';

interface Waiting {
  start(): void;
}

export class Turns {
  #running = false;
  /** Callers with operations waiting, in the order they are next served. */
  readonly #queues = new Map<string, Waiting[]>();

  constructor(
    readonly maxWaitingPerCaller: number,
    readonly maxWaitMs: number,
  ) {}

  /** Runs `work` in `caller`'s turn; `refused` makes the answer when it will not run. */
  run<T>(caller: string, work: () => Promise<T>, refused: (why: Refusal) => T, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.resolve(refused('abandoned'));
    if (!this.#running) return this.#start(caller, work);
    const queue = this.#queues.get(caller) ?? [];
    if (queue.length >= this.maxWaitingPerCaller) return Promise.resolve(refused('too-many-waiting'));
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', abandoned);
      };
      const leave = (why: Refusal) => {
        settle();
        this.#remove(caller, waiting);
        resolve(refused(why));
      };
      const abandoned = () => leave('abandoned');
      const waiting: Waiting = {
        start: () => {
          settle();
          this.#start(caller, work).then(resolve, reject);
        },
      };
      const timer = setTimeout(() => leave('waited-too-long'), this.maxWaitMs);
      timer.unref();
      signal?.addEventListener('abort', abandoned, { once: true });
      queue.push(waiting);
      this.#queues.set(caller, queue);
    });
  }

  #remove(caller: string, waiting: Waiting): void {
    const left = (this.#queues.get(caller) ?? []).filter((other) => other !== waiting);
    if (left.length > 0) this.#queues.set(caller, left);
    else this.#queues.delete(caller);
  }

  #start<T>(caller: string, work: () => Promise<T>): Promise<T> {
    this.#running = true;
    const done = Promise.resolve().then(work);
    const next = () => this.#next(caller);
    done.then(next, next);
    return done;
  }

  /** Starts the oldest operation of the next caller in the rotation other than `finished`, if any is waiting. */
  #next(finished: string): void {
    this.#running = false;
    let chosen: [string, Waiting[]] | undefined;
    for (const entry of this.#queues) {
      chosen = entry;
      if (entry[0] !== finished) break;
    }
    if (chosen === undefined) return;
    const [caller, queue] = chosen;
    const waiting = queue.shift() as Waiting;
    // The caller served goes to the back of the rotation, and so does the one just finished, behind everyone else.
    this.#queues.delete(caller);
    if (queue.length > 0) this.#queues.set(caller, queue);
    const own = this.#queues.get(finished);
    if (own && caller !== finished) {
      this.#queues.delete(finished);
      this.#queues.set(finished, own);
    }
    waiting.start();
  }
}
