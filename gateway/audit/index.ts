/** The IG officers' audit side: GraphQL queries over the disclosure ledger and its HTTP export. */
export { auditExtension } from './extension.js';
export { auditRouter, type AuditRouterOptions } from './export-route.js';
export { AUDIT_PURPOSE, AUDIT_ROLE, auditRefusal, type AuditRefusal } from './gate.js';
