/**
 * Identity resolution: agency records linked into people by shared partnership identifiers
 * (PNC ID, CRO number, prison number, CRN). Name and date of birth never link records: they only
 * propose probable matches, which stay separate people.
 */
import { createHash } from 'node:crypto';
import type { IdentityRecord } from '../../adapters/kit/contract.js';
import { IDENTIFIER_KINDS, type IdentifierKind } from '../../schema/identifiers.js';

export interface IdentifierConflict {
  identifier: IdentifierKind;
  values: { value: string; agencies: string[] }[];
}

/** Shared between requests that read the same person (identity/store.ts): read-only, so none can change it. */
export interface LinkedPerson {
  /** Gateway id, stable for life: given when the person was first linked (store.ts, docs/adr/0150). */
  readonly id: string;
  readonly records: readonly Readonly<IdentityRecord>[];
  /** One value per identifier kind; where records disagree, the first by kind precedence (see conflicts). */
  readonly identifiers: Readonly<Partial<Record<IdentifierKind, string>>>;
  readonly conflicts: readonly IdentifierConflict[];
  /** The agency keys of this person's records, by agency (several where an agency holds duplicates). */
  readonly keys: ReadonlyMap<string, readonly string[]>;
}

/** Union–find over record positions. */
export class Links {
  private readonly parent: number[];
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i);
  }
  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root] as number;
    while (this.parent[i] !== root) {
      const next = this.parent[i] as number;
      this.parent[i] = root;
      i = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** A new person's gateway id: a digest of its anchor, the strongest identifier its records hold when it is first linked. */
export function gatewayIdFor(anchor: string): string {
  return `GW-${createHash('sha256').update(anchor).digest('hex').slice(0, 12).toUpperCase()}`;
}

export function anchorOf(records: readonly IdentityRecord[]): string {
  for (const kind of IDENTIFIER_KINDS) {
    const values = records.map((r) => r.identifiers[kind]).filter((v): v is string => Boolean(v));
    if (values.length > 0) return `${kind}:${values.sort()[0]}`;
  }
  const local = records.map((r) => `${r.agency}:${r.key}`).sort();
  return `local:${local[0]}`;
}

/** The person a group of linked records makes, its records in precedence order (registry order, then arrival). */
export function personOf(id: string, group: IdentityRecord[]): LinkedPerson {
  const identifiers: Partial<Record<IdentifierKind, string>> = {};
  const conflicts: IdentifierConflict[] = [];
  for (const kind of IDENTIFIER_KINDS) {
    const byValue = new Map<string, string[]>();
    for (const record of group) {
      const value = record.identifiers[kind];
      if (value) byValue.set(value, [...(byValue.get(value) ?? []), record.agency]);
    }
    const [first] = byValue.keys();
    if (first !== undefined) identifiers[kind] = first;
    if (byValue.size > 1) {
      conflicts.push({ identifier: kind, values: [...byValue].map(([value, agencies]) => ({ value, agencies })) });
    }
  }
  const keys = new Map<string, string[]>();
  for (const record of group) keys.set(record.agency, [...(keys.get(record.agency) ?? []), record.key]);
  return { id, records: group, identifiers, conflicts, keys };
}

/** Whether two people hold different values of the same identifier: then they are certainly not one person. */
export function contradicts(a: LinkedPerson, b: LinkedPerson): boolean {
  return IDENTIFIER_KINDS.some((kind) => {
    const av = new Set(a.records.map((r) => r.identifiers[kind]).filter(Boolean));
    const bv = new Set(b.records.map((r) => r.identifiers[kind]).filter(Boolean));
    return av.size > 0 && bv.size > 0 && ![...av].some((v) => bv.has(v));
  });
}
