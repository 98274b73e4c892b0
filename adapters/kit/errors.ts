/** Why an agency could not answer. The gateway turns this into an AGENCY_UNAVAILABLE error entry. */
export type UnavailableReason = 'timeout' | 'unreachable' | 'error-status' | 'malformed-payload' | 'circuit-open';

export class AgencyUnavailableError extends Error {
  constructor(
    readonly agency: string,
    readonly reason: UnavailableReason,
    detail: string,
    /** The HTTP status the agency answered, for an `error-status`. */
    readonly status?: number,
  ) {
    super(`${agency}: ${detail}`);
    this.name = 'AgencyUnavailableError';
  }
}
