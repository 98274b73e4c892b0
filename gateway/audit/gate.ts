/**
 * Who may read the disclosure ledger: information governance officers, declaring the purpose `audit`
 * that the ISP grants them. The same rule guards the GraphQL audit queries and the HTTP export.
 */
import type { ErrorCode } from '../errors.js';
import type { CompiledPolicy } from '../policy/index.js';

export const AUDIT_ROLE = 'ig-officer';
export const AUDIT_PURPOSE = 'audit';

export interface AuditRefusal {
  code: ErrorCode;
  status: number;
  message: string;
}

/** Null when the caller may audit; otherwise the refusal to send, with its HTTP status. */
export function auditRefusal(role: string, purpose: string | null, policy: CompiledPolicy): AuditRefusal | null {
  if (role !== AUDIT_ROLE) {
    return { code: 'FORBIDDEN', status: 403, message: `The disclosure ledger is open to ${AUDIT_ROLE} only, not to ${role}.` };
  }
  if (purpose === null || purpose === '') {
    return { code: 'PURPOSE_REQUIRED', status: 400, message: `Declare the purpose "${AUDIT_PURPOSE}" in the X-Purpose header to read the disclosure ledger.` };
  }
  const granted = policy.purposesFor(role).some((p) => p.code === AUDIT_PURPOSE);
  if (purpose !== AUDIT_PURPOSE || !granted) {
    return {
      code: 'PURPOSE_NOT_PERMITTED',
      status: 403,
      message: granted
        ? `The disclosure ledger is read for the purpose "${AUDIT_PURPOSE}", not "${purpose}".`
        : `The ISP ${policy.id}@${policy.version} does not grant ${role} the purpose "${AUDIT_PURPOSE}".`,
    };
  }
  return null;
}
