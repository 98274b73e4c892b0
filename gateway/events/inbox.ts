/**
 * One subscriber's undelivered items, in order. Deliveries are pulled one at a time (the subscriber's stream
 * asks for the next only once the last is sent), so a slow subscriber holds at most `capacity` items: past that
 * its stream ends, and it catches up with the events query from the last cursor it received.
 */
export class Inbox<T> {
  private readonly queue: T[] = [];
  private waiting: ((item: T | null) => void) | null = null;
  private closed = false;

  constructor(
    private readonly capacity: number,
    private readonly onClose: () => void = () => undefined,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const deliver = this.waiting;
      this.waiting = null;
      deliver(item);
    } else if (this.queue.length >= this.capacity) {
      this.close();
    } else {
      this.queue.push(item);
    }
  }

  /** Ends the inbox at once: what is queued is dropped, and `last`, if given, is the final item taken. */
  end(last?: T): void {
    if (this.closed) return;
    this.queue.length = 0;
    if (last !== undefined) this.push(last);
    this.close();
  }

  /** The next item, waiting for one if need be; null once the inbox is closed and empty. */
  take(): Promise<T | null> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.(null);
    this.waiting = null;
    this.onClose();
  }
}
