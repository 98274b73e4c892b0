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

export interface LinkedPerson {
  /** Stable gateway id: derived from the person's strongest identifier. */
  id: string;
  records: IdentityRecord[];
  /** One value per identifier kind; where records disagree, the first by kind precedence (see conflicts). */
  identifiers: Partial<Record<IdentifierKind, string>>;
  conflicts: IdentifierConflict[];
  /** The agency keys of this person's records, by agency (several where an agency holds duplicates). */
  keys: ReadonlyMap<string, string[]>;
}

/** Union–find over record positions. */
class Links {
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

/**
 * The gateway id is a digest of the anchor identifier, so it survives restarts and re-indexing
 * as long as the person's strongest identifier does.
 */
export function gatewayIdFor(anchor: string): string {
  return `GW-${createHash('sha256').update(anchor).digest('hex').slice(0, 12).toUpperCase()}`;
}

function anchorOf(records: IdentityRecord[]): string {
  for (const kind of IDENTIFIER_KINDS) {
    const values = records.map((r) => r.identifiers[kind]).filter((v): v is string => Boolean(v));
    if (values.length > 0) return `${kind}:${values.sort()[0]}`;
  }
  const local = records.map((r) => `${r.agency}:${r.key}`).sort();
  return `local:${local[0]}`;
}

export function linkRecords(records: readonly IdentityRecord[]): LinkedPerson[] {
  const links = new Links(records.length);
  const firstHolder = new Map<string, number>();
  records.forEach((record, i) => {
    for (const kind of IDENTIFIER_KINDS) {
      const value = record.identifiers[kind];
      if (!value) continue;
      const token = `${kind}:${value}`;
      const holder = firstHolder.get(token);
      if (holder === undefined) firstHolder.set(token, i);
      else links.union(holder, i);
    }
  });

  const groups = new Map<number, IdentityRecord[]>();
  records.forEach((record, i) => {
    const root = links.find(i);
    const group = groups.get(root);
    if (group) group.push(record);
    else groups.set(root, [record]);
  });

  return [...groups.values()].map((group) => {
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
    return { id: gatewayIdFor(anchorOf(group)), records: group, identifiers, conflicts, keys };
  });
}

/** Whether two people hold different values of the same identifier: then they are certainly not one person. */
export function contradicts(a: LinkedPerson, b: LinkedPerson): boolean {
  return IDENTIFIER_KINDS.some((kind) => {
    const av = new Set(a.records.map((r) => r.identifiers[kind]).filter(Boolean));
    const bv = new Set(b.records.map((r) => r.identifiers[kind]).filter(Boolean));
    return av.size > 0 && bv.size > 0 && ![...av].some((v) => bv.has(v));
  });
}
