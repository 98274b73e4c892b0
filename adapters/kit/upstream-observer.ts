/**
 * The one place the gateway watches calls to agencies (metrics, traces, a log line when a breaker changes state),
 * without adapters knowing of the gateway: a process-wide observer the gateway installs at start. Nothing is
 * installed by default, and then a call costs one null check.
 */
import type { UnavailableReason } from './errors.js';

/** How one call ended: `ok`, or why the agency could not be read. */
export type UpstreamOutcome = 'ok' | UnavailableReason;

export interface UpstreamCall {
  /** Headers to send with the call (a W3C `traceparent`), or none. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  end(outcome: UpstreamOutcome, breaker: 'closed' | 'open' | 'half-open'): void;
}

export interface UpstreamObserver {
  /** A call to `agency` begins. Told nothing of its path or query: they can carry identifiers. */
  start(agency: string, method: string): UpstreamCall;
}

let observer: UpstreamObserver | null = null;

/** Installs the gateway's observer (null removes it). */
export function observeUpstream(next: UpstreamObserver | null): void {
  observer = next;
}

export function upstreamObserver(): UpstreamObserver | null {
  return observer;
}
