import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, GENESIS_HASH } from './chain.js';
import { CSV_COLUMNS, toCsv, toFhirAuditEvent, toFhirNdjson, toNdjson } from './export.js';
import { sampleRecord, sampleSubject } from './fixtures.js';
import type { LedgerEntry } from './query.js';
import { type DisclosureRecordInput, parseRecord } from './record.js';

function chainOf(inputs: DisclosureRecordInput[]): LedgerEntry[] {
  let prevHash = GENESIS_HASH;
  return inputs.map((input, index) => {
    const record = parseRecord(input);
    const hash = chainHash(index + 1, prevHash, canonicalJson(record));
    const entry = { sequence: index + 1, hash, prevHash, record };
    prevHash = hash;
    return entry;
  });
}

/** A strict RFC 4180 reader, to prove the writer's output reads back to the same cells. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (quoted || (char !== ',' && char !== '\r' && char !== '\n')) {
      cell += char;
    } else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      throw new Error(`bare line break at ${i}`);
    }
  }
  if (cell !== '' || row.length > 0) throw new Error('last line does not end with CRLF');
  return rows;
}

const entries = chainOf([
  sampleRecord(1, { justification: 'Case conference, "MAPPA" level 2,\r\nsee notes' }),
  sampleRecord(2, {
    justification: '=HYPERLINK("http://example.invalid")',
    subjects: [sampleSubject(2), sampleSubject(3, { disclosed: [], withheld: [] })],
  }),
  sampleRecord(0, { kind: 'aggregate', subjects: [], outcome: 'nothing-disclosed' }),
  sampleRecord(4, {
    outcome: 'refused',
    emergency: true,
    justification: 'threat to life',
    subjects: [sampleSubject(4, { disclosed: [], inActiveCohort: false })],
  }),
]);

describe('NDJSON export', () => {
  it('writes one canonical line per record that an outsider can re-hash into the chain', () => {
    const lines = toNdjson(entries).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(entries.length);
    let prevHash = GENESIS_HASH;
    for (const line of lines) {
      const exported = JSON.parse(line) as LedgerEntry;
      expect(exported.prevHash).toBe(prevHash);
      expect(chainHash(exported.sequence, exported.prevHash, canonicalJson(exported.record))).toBe(exported.hash);
      prevHash = exported.hash;
    }
  });
});

describe('CSV export', () => {
  const rows = readCsv(toCsv(entries));

  it('has a header and one row per disclosed or withheld item (at least one per record and person)', () => {
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const body = rows.slice(1);
    for (const row of body) expect(row).toHaveLength(CSV_COLUMNS.length);
    const column = (name: (typeof CSV_COLUMNS)[number]) => body.map((row) => row[CSV_COLUMNS.indexOf(name)]);
    // 1: one disclosed + one withheld; 2: two items for person 2, one bare row for person 3; 3: no people; 4: one withheld.
    expect(column('sequence')).toEqual(['1', '1', '2', '2', '2', '3', '4']);
    expect(column('decision')).toEqual(['disclosed', 'withheld', 'disclosed', 'withheld', '', '', 'withheld']);
    expect(column('gateway_id')[4]).toBe(sampleSubject(3).gatewayId);
    expect(column('in_active_cohort')[6]).toBe('false');
  });

  it('quotes commas, quotes and line breaks (RFC 4180) and defuses spreadsheet formulas', () => {
    const justification = rows.slice(1).map((row) => row[CSV_COLUMNS.indexOf('justification')]);
    expect(justification[0]).toBe('Case conference, "MAPPA" level 2,\r\nsee notes');
    expect(justification[2]).toBe(`'=HYPERLINK("http://example.invalid")`);
    expect(toCsv(entries.slice(0, 1))).toContain('"Case conference, ""MAPPA"" level 2,\r\nsee notes"');
  });

  it('leaves the header out on request, for pages after the first', () => {
    expect(readCsv(toCsv(entries.slice(2, 3), { header: false }))).toHaveLength(1);
  });
});

describe('FHIR AuditEvent export', () => {
  it('shapes a disclosure about one person as IHE BALP privacy disclosure at source', () => {
    const event = toFhirAuditEvent(entries[0] as LedgerEntry);
    const record = (entries[0] as LedgerEntry).record;
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      id: 'ledger-1',
      meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source'] },
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106' },
      subtype: [{ system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'disclose' }],
      action: 'R',
      recorded: record.occurredAt,
      outcome: '0',
      purposeOfEvent: [{ coding: [{ code: 'offender-management' }] }],
    });
    const recipient = event.agent.find((agent) => agent.type.coding?.[0]?.code === '110152');
    expect(recipient).toMatchObject({
      who: { identifier: { value: 'u-po-0042', assigner: { display: 'probation' } }, display: record.principal.displayName },
      role: [{ coding: [{ code: 'offender-manager' }] }],
      requestor: true,
    });
    expect(event.agent.find((agent) => agent.type.coding?.[0]?.code === '110153')?.requestor).toBe(false);
    const patient = event.entity.find((entity) => entity.role.code === '1');
    expect(patient).toMatchObject({ what: { identifier: { value: sampleSubject(1).gatewayId }, type: 'Patient' }, type: { code: '1' } });
    expect(patient?.detail).toContainEqual({ type: 'pnc', valueString: sampleSubject(1).identifiers.pnc });
  });

  it('gives each person an entity, marks break-glass and refusals, and claims the profile only where it fits', () => {
    const several = toFhirAuditEvent(entries[1] as LedgerEntry);
    expect(several.meta).toBeUndefined();
    expect(several.entity.filter((entity) => entity.role.code === '1').map((entity) => entity.what.identifier?.value)).toEqual([
      sampleSubject(2).gatewayId,
      sampleSubject(3).gatewayId,
    ]);
    const refused = toFhirAuditEvent(entries[3] as LedgerEntry);
    expect(refused.outcome).toBe('4');
    expect(refused.purposeOfEvent.flatMap((purpose) => purpose.coding ?? []).map((coding) => coding.code)).toContain('BTG');
    expect(toFhirAuditEvent(entries[2] as LedgerEntry)).toMatchObject({ type: { code: '110112' }, action: 'E' });
  });

  it('writes FHIR NDJSON, one AuditEvent per line', () => {
    const lines = toFhirNdjson(entries).trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['ledger-1', 'ledger-2', 'ledger-3', 'ledger-4']);
  });
});
