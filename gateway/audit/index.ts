/** The IG officers' audit side: GraphQL queries over the disclosure ledger and its HTTP export. */

export { type AuditRouterOptions, auditRouter } from './export-route.js';
export { auditExtension } from './extension.js';
export { AUDIT_PURPOSE, type AuditRefusal, type AuditScope, auditRefusal, auditScopeOf } from './gate.js';
