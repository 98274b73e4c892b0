import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { canonicalJson } from './chain.js';
import { sampleRecord, sampleSubject } from './fixtures.js';
import { canonicalRecordText, type DisclosureRecordInput, disclosureRecordSchema, parseRecord } from './record.js';

/** The value with every object's keys written in reverse order, at every depth. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, inner]) => [key, reversed(inner)]),
  );
}

/** The one place a record holds free-form values: canonicalRecordText sorts such a record as any value. */
const FREE_FORM = 'record.alteration.details';
/** Values whose JSON is the same text however they were written; `custom` is a list of text items (`textItems`), whose keys it orders itself. */
const LEAVES = new Set(['string', 'boolean', 'enum', 'custom']);

/** Every object schema within `schema`, by where it is; fails on any other kind of value than those walked or LEAVES. */
function objectSchemas(schema: z.core.$ZodType, at: string, found: Map<string, string[]>): Map<string, string[]> {
  const def = schema._zod.def;
  if (def.type === 'object') {
    const shape = (def as z.core.$ZodObjectDef).shape;
    found.set(at, Object.keys(shape));
    for (const [key, inner] of Object.entries(shape)) objectSchemas(inner, `${at}.${key}`, found);
  } else if (def.type === 'array') objectSchemas((def as z.core.$ZodArrayDef).element, `${at}[]`, found);
  else if (def.type === 'optional') objectSchemas((def as z.core.$ZodOptionalDef).innerType, at, found);
  // A transform's output is what it returns: identifiers and instants return text.
  else if (def.type === 'pipe') objectSchemas((def as z.core.$ZodPipeDef).in, at, found);
  else if (!LEAVES.has(def.type) && at !== FREE_FORM) throw new Error(`${at} is a ${def.type}: its JSON may not be its canonical JSON`);
  return found;
}

const everyOptionalField: DisclosureRecordInput = sampleRecord(3, {
  justification: 'case conference, ref CC-003',
  emergency: true,
  documentId: `sha256:${'b'.repeat(64)}`,
  lookups: [{ field: 'person', argument: 'pnc', value: '2019/0000001A' }],
  subjects: [
    sampleSubject(3, {
      identifiers: { ...sampleSubject(3).identifiers, localReferences: [{ agency: 'housing', reference: 'H-0003' }] },
      withheld: [{ dataItem: 'drugs.treatment', path: 'person.drugs', reason: 'no-clause' }],
    }),
    sampleSubject(4),
  ],
});

describe('a record’s canonical text', () => {
  it('is the canonical JSON of the parsed record, whatever order its keys were written in', () => {
    for (const input of [sampleRecord(1), everyOptionalField]) {
      const expected = canonicalJson(parseRecord(input));
      expect(canonicalRecordText(parseRecord(input))).toBe(expected);
      expect(canonicalRecordText(parseRecord(reversed(input)))).toBe(expected);
    }
  });

  it('sorts an alteration’s free-form details, as any value is sorted', () => {
    const altered = sampleRecord(2, {
      kind: 'alteration',
      outcome: 'altered',
      subjects: [sampleSubject(2, { disclosed: [], withheld: [] })],
      alteration: { register: 'cohort', action: 'add', details: { strand: 'fixed', added: ['gw-000002'], by: { team: 'x', agency: 'police' } } },
    });
    const text = canonicalRecordText(parseRecord(altered));
    expect(text).toBe(canonicalJson(parseRecord(altered)));
    expect(text).toContain('"details":{"added":["gw-000002"],"by":{"agency":"police","team":"x"},"strand":"fixed"}');
  });

  it('relies on every object of the record schema listing its keys in code-unit order, and holding nothing but text and flags', () => {
    const objects = objectSchemas(disclosureRecordSchema, 'record', new Map());
    expect([...objects.keys()]).toEqual(expect.arrayContaining(['record', 'record.principal', 'record.subjects[]', 'record.subjects[].identifiers']));
    for (const [at, keys] of objects) expect({ at, keys }).toEqual({ at, keys: [...keys].sort() });
  });
});

describe('a record’s text', () => {
  it('refuses empty, overlong, NUL-bearing and ill-formed text, each with its reason', () => {
    const cases: [string, RegExp][] = [
      ['', /must not be empty\n.*at purpose/],
      ['x'.repeat(201), /must be at most 200 characters\n.*at purpose/],
      ['bad\u0000text', /must be well-formed text without NUL characters\n.*at purpose/],
      ['lone \ud800 surrogate', /must be well-formed text without NUL characters\n.*at purpose/],
    ];
    for (const [purpose, reason] of cases) expect(() => parseRecord(sampleRecord(5, { purpose }))).toThrow(reason);
    expect(parseRecord(sampleRecord(5, { purpose: 'p'.repeat(200) })).purpose).toHaveLength(200);
    expect(parseRecord(sampleRecord(5, { purpose: 'paired \ud83d\ude00 surrogates' })).purpose).toContain('\ud83d\ude00');
  });
});

describe('a record’s disclosed and withheld items', () => {
  const withItems = (disclosed: unknown[], withheld: unknown[] = []) =>
    sampleRecord(6, { subjects: [sampleSubject(6, { disclosed, withheld } as Partial<ReturnType<typeof sampleSubject>>)] });

  it('are kept as they were given when their keys are in order, and written in order when not', () => {
    const inOrder = { clauseId: 'isp-2.1', dataItem: 'identity.name', path: 'person.name' };
    const parsed = parseRecord(withItems([inOrder]));
    expect(parsed.subjects[0]?.disclosed[0]).toBe(inOrder);
    const shuffled = parseRecord(withItems([{ path: 'person.name', dataItem: 'identity.name', clauseId: 'isp-2.1' }]));
    expect(Object.keys(shuffled.subjects[0]?.disclosed[0] ?? {})).toEqual(['clauseId', 'dataItem', 'path']);
    const withheld = parseRecord(withItems([], [{ reason: 'no-clause', path: 'person.drugs', dataItem: 'drugs.treatment' }]));
    expect(Object.keys(withheld.subjects[0]?.withheld[0] ?? {})).toEqual(['dataItem', 'path', 'reason']);
  });

  it('refuses an item with bad text, a missing or unknown field, or no object at all, saying where', () => {
    const item = { clauseId: 'isp-2.1', dataItem: 'identity.name', path: 'person.name' };
    // A list with nothing at index 0: its JSON would say null there.
    const withHole = (last: object): unknown[] => {
      const list: unknown[] = [];
      list[1] = last;
      return list;
    };
    const cases: [unknown[], unknown[], RegExp][] = [
      [[item, { ...item, path: 'p'.repeat(1001) }], [], /must be at most 1000 characters\n.*at subjects\[0\]\.disclosed\[1\]\.path/],
      [[{ ...item, dataItem: 'nul\u0000' }], [], /without NUL characters\n.*at subjects\[0\]\.disclosed\[0\]\.dataItem/],
      [[{ dataItem: 'identity.name', path: 'person.name' }], [], /must be text\n.*at subjects\[0\]\.disclosed\[0\]\.clauseId/],
      [[{ ...item, extra: 'x' }], [], /unknown key "extra"\n.*at subjects\[0\]\.disclosed\[0\]/],
      [[], [{ dataItem: 'drugs.treatment', path: 'person.drugs', reason: '' }], /must not be empty\n.*at subjects\[0\]\.withheld\[0\]\.reason/],
      [['person.name'], [], /must be an object\n.*at subjects\[0\]\.disclosed\[0\]/],
      [withHole(item), [], /must be an object\n.*at subjects\[0\]\.disclosed\[0\]/],
    ];
    for (const [disclosed, withheld, reason] of cases) expect(() => parseRecord(withItems(disclosed, withheld))).toThrow(reason);
  });
});
