/**
 * The ledger's two failures. A request whose record cannot be written must disclose nothing,
 * so the gateway turns `LedgerUnavailableError` (from a write or a read) into LEDGER_UNAVAILABLE.
 */

export class LedgerUnavailableError extends Error {
  readonly code = 'LEDGER_UNAVAILABLE';

  constructor(detail: string, options?: { cause?: unknown }) {
    super(`The disclosure ledger is unavailable: ${detail}. Try again shortly.`, options);
    this.name = 'LedgerUnavailableError';
  }
}

/** A record that fails validation: a fault in the caller, never written. */
export class LedgerRecordError extends Error {
  readonly code = 'BAD_LEDGER_RECORD';

  constructor(readonly problems: string) {
    super(`Ledger record rejected, nothing written:\n${problems}`);
    this.name = 'LedgerRecordError';
  }
}
