/**
 * Who may read the disclosure ledger: the ISP's audit-only roles (information governance officers), declaring
 * the purpose `audit` that the ISP grants them. The same rule guards the GraphQL audit queries, the HTTP export
 * and the console. How much of the ledger each reads is its role's audit scope.
 */
import type { ErrorCode } from '../errors.js';
import type { CompiledPolicy } from '../policy/index.js';

export const AUDIT_PURPOSE = 'audit';

export interface AuditRefusal {
  code: ErrorCode;
  status: number;
  message: string;
}

/** How much of the ledger an IG officer reads: all of it, or their own agency's share. */
export type AuditScope = { kind: 'partnership' } | { kind: 'own-agency'; agency: string };

/** Null when the caller may audit; otherwise the refusal to send, with its HTTP status. */
export function auditRefusal(role: string, purpose: string | null, policy: CompiledPolicy): AuditRefusal | null {
  if (policy.role(role)?.auditOnly !== true) {
    return { code: 'FORBIDDEN', status: 403, message: `The disclosure ledger is open to information governance officers only, not to ${role}.` };
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

/** The scope of an admitted IG officer: the whole ledger only where the ISP says `partnership` (deny by default). */
export function auditScopeOf(principal: { role: string; agency: string }, policy: CompiledPolicy): AuditScope {
  return policy.role(principal.role)?.auditScope === 'partnership' ? { kind: 'partnership' } : { kind: 'own-agency', agency: principal.agency };
}
