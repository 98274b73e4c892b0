/**
 * The console's views. Each reads the ledger in the officer's scope, records the view in the ledger as an audit of
 * the people it shows (before anything is sent), then renders.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { IDENTIFIER_KINDS, IDENTIFIER_LABELS } from '../../schema/identifiers.js';
import { type AuditFilter, checkAuditFilter, checkPersonReference, type PersonReference } from '../audit/filter.js';
import { AUDIT_PURPOSE } from '../audit/gate.js';
import { gatewayIdsOf, identifiersOf, indexedPerson, personCriterion } from '../audit/people.js';
import { scopedCriteria, scopedPerson, scopedSubjectAccess } from '../audit/scope.js';
import { type AlertTriage, type QueuedAlert, TRIAGE_DECISIONS, triageNoteSchema } from '../audit/triage.js';
import { recordEnvelope } from '../enforcement/index.js';
import { type Candidate, type IdentityIndex, SearchTooBroadError } from '../identity/index-of-people.js';
import {
  canonicalJson,
  type DisclosureRecordInput,
  EXPORT_FORMATS,
  type ExportFormat,
  exportPage,
  type Ledger,
  type LedgerEntry,
  type LedgerFilter,
  RECORD_KINDS,
  RECORD_OUTCOMES,
} from '../ledger/index.js';
import { visibleTo } from '../ledger/query.js';
import type { LedgerStore } from '../ledger/store.js';
import type { CompiledPolicy, LoadedPolicy } from '../policy/index.js';
import { type ShownCandidate, shownCandidate } from './candidates.js';
import { bars, rows as chartRows } from './chart.js';
import { csvLine, dayAfter, daysBefore, isDate, londonDate, londonMidnight, when } from './format.js';
import { navigationFor, type PageContext } from './navigation.js';
import { render } from './render.js';

type Handler = (req: Request, res: Response, context: PageContext) => Promise<void>;

export interface ConsolePages {
  dashboard: Handler;
  people: Handler;
  accessReport: Handler;
  accessReportPrint: Handler;
  accessReportCsv: Handler;
  disclosures: Handler;
  disclosuresExport: Handler;
  record: Handler;
  alerts: Handler;
  alert: Handler;
  triage: Handler;
  integrity: Handler;
  isp: Handler;
}

interface Parts {
  ledger: Ledger;
  database: LedgerStore;
  isp: LoadedPolicy;
  policy: CompiledPolicy;
  index: () => IdentityIndex;
  triage: AlertTriage;
  now: () => Date;
}

type Audited = DisclosureRecordInput['subjects'][number];
const MAX_AUDITED = 10_000;
const PAGE_SIZE = 50;
const ALERT_WINDOWS = [7, 30, 90] as const;

const single = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

function query(req: Request): Record<string, string> {
  return Object.fromEntries(Object.entries(req.query).map(([key, value]) => [key, single(value)]));
}

function toQuery(values: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export function pages(parts: Parts): ConsolePages {
  const { ledger, database, isp, policy, triage, now } = parts;
  const lawfulBasis = new Map(
    isp.clauses.map((clause) => [
      clause.id,
      [
        `${clause.lawfulBasis.statute} ${clause.lawfulBasis.section}`,
        clause.lawfulBasis.ukGdprArticle6,
        clause.lawfulBasis.article9Condition,
        clause.lawfulBasis.dpa2018Part3,
      ]
        .filter((part) => part !== undefined)
        .join('; '),
    ]),
  );

  /** The page's view of the ledger, recorded as an audit of the people it shows before anything leaves. */
  const record = async (req: Request, context: PageContext, people: Iterable<Audited>, operationName: string): Promise<number> => {
    const subjects = new Map<string, Audited>();
    for (const person of people)
      subjects.set(person.gatewayId, { ...person, identifiers: { ...person.identifiers, ...subjects.get(person.gatewayId)?.identifiers } });
    const appended = await ledger.append({
      ...recordEnvelope({ principal: context.session.principal, purpose: AUDIT_PURPOSE, justification: undefined, policy }),
      kind: 'audit',
      outcome: 'nothing-disclosed',
      subjects: [...subjects.values()].slice(0, MAX_AUDITED),
      operationName,
      documentHash: createHash('sha256')
        .update(canonicalJson({ path: req.path, query: query(req) }))
        .digest('hex'),
      requestId: context.requestId,
    });
    return appended.sequence;
  };

  const subjectsOf = (entries: readonly LedgerEntry[]): Audited[] =>
    entries.flatMap((entry) => entry.record.subjects.map(({ gatewayId, identifiers }) => ({ gatewayId, identifiers, disclosed: [], withheld: [] })));

  const show = (req: Request, res: Response, context: PageContext, template: string, values: Record<string, unknown>, status = 200) =>
    render(
      res,
      template,
      {
        ...values,
        navigation: navigationFor(req.originalUrl.split('?')[0] ?? ''),
        user: context.session.principal,
        csrfToken: context.session.csrfToken,
        scope: context.scope,
      },
      status,
    );

  const notFound = (req: Request, res: Response, context: PageContext, title: string, paragraph: string) =>
    show(req, res, context, 'message.njk', { title, paragraphs: [paragraph], link: { href: '/console', text: 'Go to the dashboard' } }, 404);

  // --- Find a person and their subject access report ---

  const REFERENCE_KEYS = [...IDENTIFIER_KINDS, 'personId'] as const;
  const referenceLabel = (kind: PersonReference['kind']) =>
    kind === 'personId' ? 'Gateway id' : IDENTIFIER_LABELS[kind].replace(/^./, (c) => c.toUpperCase());
  const reportQuery = (reference: PersonReference, dates: { from?: string; to?: string } = {}) => toQuery({ [reference.kind]: reference.value, ...dates });

  /** Candidates in the officer's scope, the first 20, with their weights; anyone outside the scope is left out, weights and all. */
  const weighed = (found: readonly Candidate[], context: PageContext, anchor: string): ShownCandidate[] =>
    found
      .flatMap((candidate) => {
        const person = scopedPerson(candidate.person, context.scope);
        return person ? [{ candidate, person }] : [];
      })
      .slice(0, 20)
      .map(({ candidate, person }, n) => shownCandidate(candidate, person, `${anchor}-${n + 1}`));

  const people: Handler = async (req, res, context) => {
    const form = query(req);
    const kinds = REFERENCE_KEYS.map((value) => ({ value, text: referenceLabel(value) }));
    const errors: Record<string, string> = {};
    let results: Record<string, unknown>[] | undefined;
    let candidates: ShownCandidate[] = [];
    let probable: ShownCandidate[] = [];
    const shown: Audited[] = [];
    if (form.value) {
      const kind = (REFERENCE_KEYS as readonly string[]).includes(form.kind ?? '') ? (form.kind as PersonReference['kind']) : 'pnc';
      const checked = checkPersonReference({ [kind]: form.value }, true);
      if (!checked.ok) {
        errors.value = checked.message;
      } else {
        const reference = checked.value;
        const indexed = await indexedPerson(reference, parts.index());
        const person = scopedPerson(indexed, context.scope);
        const identifiers = { ...identifiersOf(reference), ...person?.identifiers };
        const id = person?.id ?? (reference.kind === 'personId' ? reference.value : 'not in the identity index now');
        results = [{ id, ...identifiers, reportHref: `/console/access-report${reportQuery(reference)}` }];
        if (person && indexed) {
          shown.push({ gatewayId: person.id, identifiers, disclosed: [], withheld: [] });
          // Records that may be the same person but share no identifier: a subject access request may concern them too.
          const { scope } = context;
          probable = weighed(await parts.index().probableMatches(indexed, scope.kind === 'partnership' ? undefined : scope.agency), context, 'probable');
        }
      }
    } else if (form.name || form.dateOfBirth) {
      if (form.name === undefined || form.name.length < 2 || form.name.length > 100) errors.name = 'Enter a name of 2 to 100 characters';
      else if (form.dateOfBirth && !isDate(form.dateOfBirth)) errors.name = 'Enter the date of birth as YYYY-MM-DD, for example 1987-03-27';
      else {
        // An agency's officer searches only the agency's own records, so a match is neither cut off by others' people
        // nor found, or weighed, by how another agency spells a name.
        const { scope } = context;
        const found = await parts
          .index()
          .search(form.name, form.dateOfBirth || undefined, scope.kind === 'partnership' ? 20 : 10_000, scope.kind === 'partnership' ? undefined : scope.agency)
          .catch((error: unknown) => {
            if (error instanceof SearchTooBroadError) return error;
            throw error;
          });
        if (found instanceof SearchTooBroadError) errors.name = found.message;
        else {
          candidates = weighed(found, context, 'candidate');
          results = candidates.map((candidate) => ({
            id: candidate.id,
            ...candidate.identifiers,
            reportHref: candidate.reportHref,
            confidence: candidate.confidence,
            matchWeight: candidate.matchWeight,
            anchor: candidate.anchor,
          }));
        }
      }
    }
    for (const candidate of [...candidates, ...probable])
      shown.push({ gatewayId: candidate.id, identifiers: candidate.identifiers, disclosed: [], withheld: [] });
    if (results !== undefined) await record(req, context, shown, 'ConsoleFindPerson');
    const errorSummary = Object.entries(errors).map(([field, text]) => ({ href: `#${field}`, text }));
    show(
      req,
      res,
      context,
      'people.njk',
      { title: 'Find a person', form, kinds, errors, errorSummary: errorSummary.length > 0 ? errorSummary : undefined, results, candidates, probable },
      errorSummary.length > 0 ? 400 : 200,
    );
  };

  /** The report's rows, after the date filter and the officer's scope. */
  const accessReportData = async (req: Request, context: PageContext) => {
    const form = query(req);
    const checked = checkPersonReference(Object.fromEntries(REFERENCE_KEYS.map((key) => [key, form[key] || undefined])), true);
    if (!checked.ok) return { ok: false as const, message: checked.message };
    const reference = checked.value;
    const errors: Record<string, string> = {};
    if (form.from && !isDate(form.from)) errors.from = 'Enter the from date as YYYY-MM-DD';
    if (form.to && !isDate(form.to)) errors.to = 'Enter the to date as YYYY-MM-DD';
    const from = isDate(form.from) ? form.from : undefined;
    const to = isDate(form.to) ? form.to : undefined;
    const person = scopedPerson(await indexedPerson(reference, parts.index()), context.scope);
    const ids = await gatewayIdsOf(reference, ledger, parts.index());
    const reports = await Promise.all(ids.map(async (id) => ({ id, entries: scopedSubjectAccess((await ledger.subjectAccess(id)).entries, context.scope) })));
    // Outside the officer's scope a gateway id is not shown unless the officer's share of the ledger names it.
    const personIds = reports
      .filter((report) => report.id === person?.id || report.entries.length > 0 || context.scope.kind === 'partnership')
      .map((r) => r.id);
    const entries = reports
      .flatMap((report) => report.entries)
      .filter((entry) => (from === undefined || londonDate(entry.occurredAt) >= from) && (to === undefined || londonDate(entry.occurredAt) <= to))
      .sort((a, b) => a.sequence - b.sequence);
    const identifiers = { ...identifiersOf(reference), ...person?.identifiers };
    return {
      ok: true as const,
      reference,
      form,
      errors,
      from,
      to,
      personIds,
      entries,
      audited: personIds.map((gatewayId) => ({ gatewayId, identifiers, disclosed: [], withheld: [] })),
    };
  };

  const accessReportPage =
    (print: boolean): Handler =>
    async (req, res, context) => {
      const data = await accessReportData(req, context);
      if (!data.ok) {
        show(
          req,
          res,
          context,
          'message.njk',
          { title: 'Whose report?', paragraphs: [data.message], link: { href: '/console/people', text: 'Find a person' } },
          400,
        );
        return;
      }
      await record(req, context, data.audited, print ? 'ConsoleSubjectAccessReportPrint' : 'ConsoleSubjectAccessReport');
      const dates = { from: data.from, to: data.to };
      const entries = data.entries.map((entry) => ({
        sequence: entry.sequence,
        when: when(entry.occurredAt),
        recipient: `${entry.recipient.displayName} (${entry.recipient.role}, ${entry.recipient.agency}${entry.recipient.team ? `, ${entry.recipient.team}` : ''})`,
        purpose: entry.purpose,
        justification: entry.justification,
        emergency: entry.emergency,
        kindText: `${entry.kind}, ${entry.outcome}`,
        disclosed: entry.disclosed.map((item) => ({ item: item.dataItem, clause: item.clauseId, lawfulBasis: lawfulBasis.get(item.clauseId) })),
        withheld: entry.withheld.map((item) => ({ item: item.dataItem, reason: item.reason })),
      }));
      const errorSummary = Object.entries(data.errors).map(([field, text]) => ({ href: `#${field}`, text }));
      show(req, res, context, 'access-report.njk', {
        title: `Subject access report: ${data.reference.value}`,
        print,
        reference: { kind: data.reference.kind, value: data.reference.value, label: referenceLabel(data.reference.kind) },
        form: { from: data.form.from, to: data.form.to },
        errors: data.errors,
        errorSummary: errorSummary.length > 0 ? errorSummary : undefined,
        personIds: data.personIds,
        entries,
        emergencyCount: data.entries.filter((entry) => entry.emergency).length,
        preparedAt: when(now()),
        links: {
          print: `/console/access-report/print${reportQuery(data.reference, dates)}`,
          csv: `/console/access-report.csv${reportQuery(data.reference, dates)}`,
        },
      });
    };

  const accessReportCsv: Handler = async (req, res, context) => {
    const data = await accessReportData(req, context);
    if (!data.ok) {
      show(req, res, context, 'message.njk', { title: 'Whose report?', paragraphs: [data.message] }, 400);
      return;
    }
    const sequence = await record(req, context, data.audited, 'ConsoleSubjectAccessReportCsv');
    const header = [
      'record',
      'occurred_at',
      'recipient_user_id',
      'recipient_name',
      'recipient_role',
      'recipient_agency',
      'purpose',
      'justification',
      'kind',
      'outcome',
      'emergency',
      'disclosed',
      'withheld',
    ];
    const lines = data.entries.map((entry) =>
      csvLine([
        entry.sequence,
        entry.occurredAt,
        entry.recipient.userId,
        entry.recipient.displayName,
        entry.recipient.role,
        entry.recipient.agency,
        entry.purpose,
        entry.justification,
        entry.kind,
        entry.outcome,
        entry.emergency,
        entry.disclosed.map((item) => `${item.dataItem} (${item.clauseId}: ${lawfulBasis.get(item.clauseId) ?? ''})`).join('; '),
        entry.withheld.map((item) => `${item.dataItem}: ${item.reason}`).join('; '),
      ]),
    );
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-type', 'text/csv; charset=utf-8; header=present');
    res.setHeader('content-disposition', `attachment; filename="subject-access-${data.reference.value.replace(/[^\w-]/g, '-')}-${sequence}.csv"`);
    res.send(csvLine(header) + lines.join(''));
  };

  // --- Disclosures ---

  const FILTERS = [
    { name: 'pnc', label: 'PNC ID' },
    { name: 'cro', label: 'CRO number' },
    { name: 'nomsNumber', label: 'Prison number' },
    { name: 'crn', label: 'CRN' },
    { name: 'person', label: 'Gateway id' },
    { name: 'user', label: 'User id' },
    { name: 'agency', label: 'Agency', options: isp.parties.map((party) => party.agency) },
    { name: 'role', label: 'Role', options: isp.roles.map((role) => role.name) },
    { name: 'purpose', label: 'Purpose', options: isp.purposes.map((purpose) => purpose.code) },
    { name: 'clause', label: 'Clause', options: isp.clauses.map((clause) => clause.id) },
    { name: 'kind', label: 'Kind', options: [...RECORD_KINDS] },
    { name: 'outcome', label: 'Outcome', options: [...RECORD_OUTCOMES] },
    { name: 'from', label: 'From (date)', type: 'date' },
    { name: 'to', label: 'To (date, inclusive)', type: 'date' },
  ];
  const FILTER_NAMES = FILTERS.map((filter) => filter.name);

  /** The form's filter as the audit filter (the GraphQL `disclosures` one), in the officer's scope. */
  const disclosureFilter = async (form: Record<string, string>, scope: PageContext['scope']) => {
    const errors: Record<string, string> = {};
    for (const name of ['from', 'to']) if (form[name] && !isDate(form[name])) errors[name] = 'Enter a date as YYYY-MM-DD';
    // A London day, from its midnight to the next day's.
    const from = isDate(form.from) ? londonMidnight(form.from).toISOString() : undefined;
    const to = isDate(form.to) ? londonMidnight(dayAfter(form.to)).toISOString() : undefined;
    const checked = checkAuditFilter({
      personId: form.person || undefined,
      pnc: form.pnc || undefined,
      cro: form.cro || undefined,
      nomsNumber: form.nomsNumber || undefined,
      crn: form.crn || undefined,
      userId: form.user || undefined,
      agency: form.agency || undefined,
      role: form.role || undefined,
      purpose: form.purpose || undefined,
      clause: form.clause || undefined,
      kind: form.kind || undefined,
      outcome: form.outcome || undefined,
      from,
      to,
    });
    if (!checked.ok) {
      errors[FILTER_NAMES.find((name) => checked.message.includes(name)) ?? 'pnc'] = checked.message;
      return { errors, filter: undefined };
    }
    const filter: AuditFilter = checked.value;
    const criteria: LedgerFilter = scopedCriteria(
      filter.person === undefined ? filter.ledger : { ...filter.ledger, ...(await personCriterion(filter.person, parts.index())) },
      scope,
    );
    return { errors, filter: Object.keys(errors).length > 0 ? undefined : { filter, criteria } };
  };

  const disclosures: Handler = async (req, res, context) => {
    const form = query(req);
    const { errors, filter } = await disclosureFilter(form, context.scope);
    const after = /^\d{1,15}$/.test(form.after ?? '') ? form.after : undefined;
    const page = filter ? await ledger.query(filter.criteria, { limit: PAGE_SIZE, after, order: 'newest-first' }) : { entries: [], nextCursor: null };
    await record(req, context, subjectsOf(page.entries), 'ConsoleDisclosures');
    const criteria = Object.fromEntries(FILTER_NAMES.map((name) => [name, form[name]]));
    const rows = page.entries.map(({ sequence, record: r }) => ({
      sequence,
      when: when(r.occurredAt),
      who: `${r.principal.displayName} (${r.principal.userId}, ${r.principal.role}, ${r.principal.agency})`,
      purpose: r.purpose,
      emergency: r.emergency === true,
      kind: r.kind,
      outcome: r.outcome,
      people: r.subjects.map((s) => s.gatewayId).join(', ') || 'no one',
      clauses: [...new Set(r.subjects.flatMap((s) => s.disclosed.map((d) => d.clauseId)))].join(', '),
    }));
    const errorSummary = Object.entries(errors).map(([field, text]) => ({ href: `#f-${field}`, text }));
    show(
      req,
      res,
      context,
      'disclosures.njk',
      {
        title: 'Disclosures',
        fields: FILTERS,
        form,
        errors,
        errorSummary: errorSummary.length > 0 ? errorSummary : undefined,
        rows,
        nextHref: page.nextCursor === null ? undefined : `/console/disclosures${toQuery({ ...criteria, after: page.nextCursor })}`,
        downloads: Object.fromEntries(EXPORT_FORMATS.map((format) => [format, `/console/disclosures/export${toQuery({ ...criteria, format })}`])),
      },
      errorSummary.length > 0 ? 400 : 200,
    );
  };

  const EXPORT_TYPES: Record<ExportFormat, { contentType: string; extension: string }> = {
    ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
    csv: { contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv' },
    fhir: { contentType: 'application/fhir+ndjson; charset=utf-8', extension: 'fhir.ndjson' },
  };

  const disclosuresExport: Handler = async (req, res, context) => {
    const form = query(req);
    const format = z.enum(EXPORT_FORMATS).safeParse(form.format);
    const { filter } = await disclosureFilter(form, context.scope);
    if (!format.success || filter === undefined) {
      show(
        req,
        res,
        context,
        'message.njk',
        {
          title: 'This download cannot be made',
          paragraphs: ['Go back to the search and check its filters.'],
          link: { href: '/console/disclosures', text: 'Search disclosures' },
        },
        400,
      );
      return;
    }
    const person = filter.filter.person;
    const personIds = person === undefined ? [] : await gatewayIdsOf(person, ledger, parts.index());
    const last = await record(
      req,
      context,
      personIds.map((gatewayId) => ({ gatewayId, identifiers: person ? identifiersOf(person) : {}, disclosed: [], withheld: [] })),
      'ConsoleExport',
    );
    res.status(200);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-type', EXPORT_TYPES[format.data].contentType);
    res.setHeader('content-disposition', `attachment; filename="disclosures-to-${last}.${EXPORT_TYPES[format.data].extension}"`);
    let after: string | undefined;
    let first = true;
    do {
      const found = await ledger.query(filter.criteria, { limit: 1_000, after });
      const entries = found.entries.filter((entry) => entry.sequence <= last);
      const text = exportPage(entries, format.data, first);
      first = false;
      if (text !== '' && !res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
      after = entries.length === found.entries.length ? (found.nextCursor ?? undefined) : undefined;
    } while (after !== undefined && !res.destroyed);
    res.end();
  };

  const checkpointRow = z.object({ sequence: z.coerce.number().int(), at: z.coerce.date(), key_id: z.string() });

  const recordPage: Handler = async (req, res, context) => {
    const sequence = Number(req.params.sequence);
    if (!Number.isSafeInteger(sequence) || sequence < 1) {
      notFound(req, res, context, 'Record not found', 'A record number is a whole number from 1.');
      return;
    }
    const found = await ledger.query(scopedCriteria({}, context.scope), { after: String(sequence - 1), limit: 1 });
    const entry = found.entries[0];
    await record(req, context, entry?.sequence === sequence ? subjectsOf([entry]) : [], 'ConsoleRecord');
    if (entry === undefined || entry.sequence !== sequence) {
      notFound(
        req,
        res,
        context,
        'Record not found',
        `There is no record ${sequence}${context.scope.kind === 'own-agency' ? ` in ${context.scope.agency}'s share of the ledger` : ''}.`,
      );
      return;
    }
    const r = entry.record;
    const [covering] = z
      .array(checkpointRow)
      .parse(await database.query('SELECT sequence, at, key_id FROM ledger_checkpoints WHERE sequence >= $1 ORDER BY sequence LIMIT 1', [sequence]));
    const summary = [
      { key: 'When', value: when(r.occurredAt) },
      {
        key: 'Who',
        value: `${r.principal.displayName} (${r.principal.userId}), ${r.principal.role}, ${r.principal.agency}${r.principal.team ? `, ${r.principal.team}` : ''}`,
      },
      { key: 'Application', value: r.principal.clientApplication ?? 'not recorded' },
      { key: 'Purpose', value: `${r.purpose}${r.emergency ? ' (break-glass)' : ''}` },
      { key: 'Justification', value: r.justification ?? 'none given' },
      { key: 'Kind and outcome', value: `${r.kind}, ${r.outcome}` },
      { key: 'ISP', value: r.ispVersion },
      { key: 'Operation', value: r.operationName ?? 'unnamed' },
      { key: 'Request id', value: r.requestId },
    ];
    const chain = [
      { key: 'Position', value: `Record ${sequence} of the chain` },
      { key: 'Hash', value: entry.hash },
      { key: 'Previous hash', value: entry.prevHash },
      {
        key: 'Checkpoint',
        value: covering
          ? `Covered by the checkpoint signed at record ${covering.sequence}, ${when(covering.at)}, key ${covering.key_id}`
          : 'Not yet covered by a signed checkpoint (one is signed every few minutes and every thousand records)',
      },
    ];
    show(req, res, context, 'record.njk', {
      title: `Record ${sequence}`,
      record: { sequence },
      summary,
      chain,
      alteration: r.alteration === undefined ? undefined : JSON.stringify(r.alteration, null, 2),
      subjects: r.subjects.map((s) => ({
        personId: s.gatewayId,
        identifiers: IDENTIFIER_KINDS.flatMap((kind) => (s.identifiers[kind] ? [`${IDENTIFIER_LABELS[kind]} ${s.identifiers[kind]}`] : [])).join(', '),
        inActiveCohort: s.inActiveCohort,
        disclosed: s.disclosed.map((d) => ({ dataItem: d.dataItem, clause: d.clauseId })),
        withheld: s.withheld,
      })),
    });
  };

  // --- Alerts ---

  const KIND_TEXT: Record<string, string> = {
    'emergency-access': 'Break-glass access',
    'emergency-renewed': 'Another emergency within 24 hours',
    'outside-cohort': 'Person outside the cohort',
    'out-of-hours': 'Out-of-hours use',
    'unusual-volume': 'Unusual volume',
    'repeated-lookups': 'Repeated look-ups finding no one',
  };
  const STATUS: Record<string, { text: string; tag: string }> = {
    open: { text: 'Open', tag: 'govuk-tag--yellow' },
    acknowledged: { text: 'Acknowledged', tag: 'govuk-tag--green' },
    escalated: { text: 'Escalated', tag: 'govuk-tag--red' },
    dismissed: { text: 'Dismissed', tag: 'govuk-tag--grey' },
  };

  const windowOf = (req: Request) => {
    const asked = Number(single(req.query.days));
    const days = (ALERT_WINDOWS as readonly number[]).includes(asked) ? asked : 7;
    return { days, from: londonMidnight(daysBefore(now(), days - 1)).toISOString(), to: new Date(now().getTime() + 60_000).toISOString() };
  };

  const described = (item: QueuedAlert) => {
    const status = STATUS[item.triage[0]?.decision ?? 'open'] ?? { text: 'Open', tag: '' };
    return {
      ...item,
      kindText: KIND_TEXT[item.alert.kind] ?? item.alert.kind,
      when: item.alert.from === item.alert.to ? when(item.alert.from) : `${when(item.alert.from)} to ${when(item.alert.to)}`,
      status: status.text,
      statusClass: status.tag,
      records: item.alert.sequences.slice(0, 50),
      moreRecords: Math.max(0, item.alert.sequences.length - 50),
      triage: item.triage.map((t) => ({ ...t, decidedAt: when(t.decidedAt) })),
    };
  };

  const alertPeople = (queue: readonly QueuedAlert[]): Audited[] =>
    [...new Set(queue.flatMap((item) => item.alert.gatewayIds))].map((gatewayId) => ({ gatewayId, identifiers: {}, disclosed: [], withheld: [] }));

  const alerts: Handler = async (req, res, context) => {
    const { days, from, to } = windowOf(req);
    const queue = await triage.queue(from, to, context.scope);
    await record(req, context, alertPeople(queue), 'ConsoleAlerts');
    show(req, res, context, 'alerts.njk', {
      title: 'Alerts',
      days,
      windows: ALERT_WINDOWS,
      queue: queue.map(described),
      openCount: queue.filter((item) => item.triage.length === 0).length,
    });
  };

  const DECISIONS = [
    { value: 'acknowledged', text: 'Acknowledge: reviewed, nothing further' },
    { value: 'escalated', text: 'Escalate: needs investigation' },
    { value: 'dismissed', text: 'Dismiss: not a concern (for example the system, or expected work)' },
  ];

  const alertPage = async (
    req: Request,
    res: Response,
    context: PageContext,
    extra: { form?: Record<string, string>; errors?: Record<string, string> } = {},
  ) => {
    const { days, from, to } = windowOf(req);
    const queue = await triage.queue(from, to, context.scope);
    const item = queue.find((candidate) => candidate.key === req.params.key);
    await record(req, context, item ? alertPeople([item]) : [], 'ConsoleAlert');
    if (item === undefined) {
      notFound(
        req,
        res,
        context,
        'Alert not found',
        `There is no such alert in the last ${days} days you can see. It may be older: choose a longer period on the alert queue.`,
      );
      return undefined;
    }
    const errors = extra.errors ?? {};
    const errorSummary = Object.entries(errors).map(([field, text]) => ({ href: field === 'decision' ? '#decision-acknowledged' : `#${field}`, text }));
    show(
      req,
      res,
      context,
      'alert.njk',
      {
        title: KIND_TEXT[item.alert.kind] ?? 'Alert',
        item: described(item),
        days,
        decisions: DECISIONS,
        form: extra.form ?? {},
        errors,
        errorSummary: errorSummary.length > 0 ? errorSummary : undefined,
      },
      errorSummary.length > 0 ? 400 : 200,
    );
    return item;
  };

  const alert: Handler = async (req, res, context) => {
    await alertPage(req, res, context);
  };

  const triageHandler: Handler = async (req, res, context) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = { decision: single(body.decision), note: single(body.note) };
    const errors: Record<string, string> = {};
    const decision = z.enum(TRIAGE_DECISIONS).safeParse(form.decision);
    if (!decision.success) errors.decision = 'Choose acknowledge, escalate or dismiss';
    const note = triageNoteSchema.safeParse(form.note);
    if (!note.success) errors.note = note.error.issues[0]?.message ?? 'Write a note';
    const { days, from, to } = windowOf(req);
    const item = (await triage.queue(from, to, context.scope)).find((candidate) => candidate.key === req.params.key);
    if (item === undefined || !decision.success || !note.success) {
      await alertPage(req, res, context, { form, errors });
      return;
    }
    await triage.decide({ principal: context.session.principal, policy, queued: item, decision: decision.data, note: note.data, requestId: context.requestId });
    res.redirect(303, `/console/alerts/${item.key}?days=${days}`);
  };

  // --- Integrity, ISP, dashboard ---

  const verificationRow = z.object({ at: z.coerce.date(), checked: z.coerce.number().int(), ok: z.boolean(), user_id: z.string() });

  const integrity: Handler = async (req, res, context) => {
    const full = req.method === 'POST';
    const report = await ledger.verify({ witness: await ledger.witnessed(), incremental: !full });
    await database.query('INSERT INTO console_verifications (at, full_check, ok, checked, user_id) VALUES ($1, $2, $3, $4, $5)', [
      now(),
      full,
      report.ok,
      report.checked,
      context.session.principal.userId,
    ]);
    await record(req, context, [], 'ConsoleIntegrity');
    const [lastFull] = z
      .array(verificationRow)
      .parse(await database.query('SELECT at, checked, ok, user_id FROM console_verifications WHERE full_check ORDER BY id DESC LIMIT 1'));
    const [checkpoint] = z.array(checkpointRow).parse(await database.query('SELECT sequence, at, key_id FROM ledger_checkpoints ORDER BY id DESC LIMIT 1'));
    const rows = [
      {
        key: 'This check',
        value: `${full ? 'The whole chain from record 1' : 'From the last checkpoint an earlier check verified'}: ${report.checked} records, ${report.checkpoints} checkpoints${report.witness ? `, ${report.witness.agreeing} of ${report.witness.entries} witnessed checkpoints agreeing` : ''}`,
      },
      { key: 'Last checkpoint', value: checkpoint ? `Record ${checkpoint.sequence}, signed ${when(checkpoint.at)}` : 'None yet' },
      { key: 'Signer', value: checkpoint ? `Key ${checkpoint.key_id}` : 'None yet' },
      {
        key: 'Last full verification',
        value: lastFull
          ? `${when(lastFull.at)} by ${lastFull.user_id}: ${lastFull.ok ? 'the chain held' : 'the chain did NOT hold'} (${lastFull.checked} records)`
          : 'Never from the console: verify the whole chain below',
      },
    ];
    show(req, res, context, 'integrity.njk', {
      title: 'Ledger integrity',
      report,
      rows,
      firstBad: report.firstBad ? `First bad record: ${report.firstBad.sequence} (${report.firstBad.problem}). ${report.firstBad.detail ?? ''}` : '',
      undetectable: report.undetectable.map((spot) => spot.detail),
    });
  };

  /** Extra SQL for the officer's scope, for the figures below (which read ledger_records as r). */
  const scopeSql = (scope: PageContext['scope'], params: unknown[]) =>
    scope.kind === 'partnership' ? '' : ` AND ${visibleTo(`$${params.push(scope.agency)}`)}`;
  const countRow = z.object({ name: z.string(), n: z.coerce.number().int() });

  const ispPage: Handler = async (req, res, context) => {
    const today = londonDate(now());
    const soon = daysBefore(now(), -90);
    const params: unknown[] = [londonMidnight(daysBefore(now(), 90))];
    const counts = z
      .array(countRow)
      .parse(
        await database.query(
          `SELECT c AS name, count(*) AS n FROM ledger_records r, unnest(r.clause_ids) AS c WHERE r.occurred_at >= $1${scopeSql(context.scope, params)} GROUP BY c`,
          params,
        ),
      );
    await record(req, context, [], 'ConsoleIsp');
    const byClause = new Map(counts.map((row) => [row.name, row.n]));
    const clauses = isp.clauses.map((clause) => ({
      ...clause,
      basis: lawfulBasis.get(clause.id),
      count: byClause.get(clause.id) ?? 0,
      review:
        clause.reviewDate < today
          ? { text: 'Past review: grants nothing', tag: 'govuk-tag--red' }
          : clause.reviewDate <= soon
            ? { text: 'Review within 90 days', tag: 'govuk-tag--yellow' }
            : undefined,
    }));
    show(req, res, context, 'isp.njk', {
      title: 'Information-sharing protocol',
      isp,
      clauses,
      dueCount: clauses.filter((clause) => clause.review !== undefined).length,
      chart: chartRows(clauses.map((clause) => ({ label: `${clause.id} ${clause.title}`.slice(0, 38), value: clause.count }))),
    });
  };

  const dashboard: Handler = async (req, res, context) => {
    const days = 30;
    const firstDay = daysBefore(now(), days - 1);
    const since = londonMidnight(firstDay);
    const perDay = async (column: 'agency' | 'purpose') => {
      const params: unknown[] = [since];
      return z.array(countRow.extend({ day: z.string() })).parse(
        await database.query(
          `SELECT to_char(r.occurred_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') AS day, r.${column} AS name, count(*) AS n
             FROM ledger_records r WHERE r.occurred_at >= $1 AND r.outcome = 'disclosed'${scopeSql(context.scope, params)} GROUP BY 1, 2`,
          params,
        ),
      );
    };
    const [byAgency, byPurpose] = [await perDay('agency'), await perDay('purpose')];
    const breakGlassParams: unknown[] = [since];
    const [breakGlass] = z
      .array(z.object({ n: z.coerce.number().int() }))
      .parse(
        await database.query(
          `SELECT count(*) AS n FROM ledger_records r WHERE r.emergency AND r.occurred_at >= $1${scopeSql(context.scope, breakGlassParams)}`,
          breakGlassParams,
        ),
      );
    const outsideParams: unknown[] = [since];
    const [outside] = z.array(z.object({ n: z.coerce.number().int() })).parse(
      await database.query(
        `SELECT count(DISTINCT r.sequence) AS n FROM ledger_records r JOIN ledger_subjects s ON s.sequence = r.sequence
           WHERE s.in_active_cohort = false AND r.user_id NOT LIKE 'system:%' AND r.occurred_at >= $1${scopeSql(context.scope, outsideParams)}`,
        outsideParams,
      ),
    );
    const queue = await triage.queue(londonMidnight(daysBefore(now(), 6)).toISOString(), new Date(now().getTime() + 60_000).toISOString(), context.scope);
    await record(req, context, [], 'ConsoleDashboard');
    const dayList = Array.from({ length: days }, (_, index) => daysBefore(now(), days - 1 - index));
    const table = (caption: string, label: string, rows: { day: string; name: string; n: number }[]) => {
      const names = [...new Set(rows.map((row) => row.name))].sort();
      const value = (name: string, day: string) => rows.find((row) => row.name === name && row.day === day)?.n ?? 0;
      return {
        caption,
        label,
        days: dayList.slice(-7).map((day) => day.slice(5)),
        rows: names.map((name) => ({
          name,
          values: dayList.slice(-7).map((day) => value(name, day)),
          total: rows.filter((row) => row.name === name).reduce((sum, row) => sum + row.n, 0),
        })),
        chartId: label.toLowerCase(),
        chart: chartRows(names.map((name) => ({ label: name, value: rows.filter((row) => row.name === name).reduce((sum, row) => sum + row.n, 0) }))),
      };
    };
    const totals = dayList.map((day) => ({
      label: day,
      short: day.slice(8),
      value: byAgency.filter((row) => row.day === day).reduce((sum, row) => sum + row.n, 0),
    }));
    show(req, res, context, 'dashboard.njk', {
      title: 'Dashboard',
      days,
      figures: [
        {
          label: 'Disclosures',
          value: totals.reduce((sum, day) => sum + day.value, 0),
          href: '/console/disclosures?outcome=disclosed',
          linkText: 'Search disclosures',
        },
        { label: 'Break-glass uses', value: breakGlass?.n ?? 0, href: `/console/disclosures${toQuery({ purpose: 'emergency' })}`, linkText: 'See them' },
        { label: 'Records about people outside the cohort', value: outside?.n ?? 0 },
        { label: 'Open alerts (7 days)', value: queue.filter((item) => item.triage.length === 0).length, href: '/console/alerts', linkText: 'Triage alerts' },
      ],
      perDay: bars(totals),
      tables: [
        table('Disclosures by agency of the recipient, last 7 days', 'Agency', byAgency),
        table('Disclosures by purpose, last 7 days', 'Purpose', byPurpose),
      ],
    });
  };

  return {
    dashboard,
    people,
    accessReport: accessReportPage(false),
    accessReportPrint: accessReportPage(true),
    accessReportCsv,
    disclosures,
    disclosuresExport,
    record: recordPage,
    alerts,
    alert,
    triage: triageHandler,
    integrity,
    isp: ispPage,
  };
}
