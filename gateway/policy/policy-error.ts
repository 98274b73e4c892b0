/**
 * What is wrong with a policy or policy test file, said so that its author can go straight to the place:
 * file, line and column, the path inside the document (`clauses[3].purposes[1]`), and the fault.
 */

export interface PolicyFault {
  file: string;
  /** Path inside the document, e.g. `clauses[3].purposes[1]`; empty for the document as a whole. */
  path: string;
  /** 1-based; absent when the policy did not come from a file. */
  line?: number;
  column?: number;
  message: string;
}

export function describeFault(fault: PolicyFault): string {
  const where = fault.line === undefined ? fault.file : `${fault.file}:${fault.line}:${fault.column ?? 1}`;
  return `${where} ${fault.path || '(document)'}: ${fault.message}`;
}

/** Thrown with every fault found, not just the first, so one edit-and-run cycle fixes them all. */
export class PolicyError extends Error {
  constructor(readonly faults: readonly PolicyFault[]) {
    const count = faults.length === 1 ? '1 fault' : `${faults.length} faults`;
    super(`information-sharing protocol: ${count}\n${faults.map((fault) => `  ${describeFault(fault)}`).join('\n')}`);
    this.name = 'PolicyError';
  }
}

/** `['clauses', 3, 'purposes', 1]` → `clauses[3].purposes[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`)).join('');
}
