/**
 * The information-sharing protocol (ISP) as data: the zod schema an ISP file must satisfy.
 * Its fields follow the ICO data-sharing code: parties, purposes, data items, the lawful basis for each,
 * special-category conditions, retention and a review date.
 */
import { z } from 'zod';
import { partyAgencies } from '../../adapters/registry.js';

/** Facts about the person that a clause may depend on. */
export const CONDITIONS = ['in-active-cohort', 'consent-recorded', 'mappa-case', 'emergency'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** The partnership's agencies, from adapters/registry.ts, and the partnership's own unit. */
export const AGENCIES = partyAgencies;
export type Agency = string;

/** A calendar date as ISP authors write it; YAML 1.2 keeps it a string. */
export const isoDate = z.iso.date({ error: 'must be a calendar date written YYYY-MM-DD' });

const name = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be lower-case words joined by hyphens');
const text = z.string().trim().min(1, 'must not be empty');
const dataItem = z.string().regex(/^[a-z]+\.[a-z][a-zA-Z]*$/, 'must be a data item name like police.arrests');

const partySchema = z.strictObject({
  agency: z.enum(AGENCIES),
  organisation: text,
  signatoryRole: text,
});

const purposeSchema = z
  .strictObject({
    code: name,
    description: text,
    lawfulBasisSummary: text,
    requiresJustification: z.boolean(),
    /**
     * Break-glass: a declared emergency lasts at most `maxMinutes`, a user may declare at most `maxWindowsPerDay`
     * in any 24 hours, and every use is flagged for IG review (a second declaration within 24 hours too).
     */
    emergency: z
      .strictObject({
        maxMinutes: z
          .int()
          .positive()
          .max(24 * 60),
        maxWindowsPerDay: z.int().positive().max(24).default(3),
      })
      .optional(),
  })
  .refine((purpose) => !purpose.emergency || purpose.requiresJustification, {
    message: 'an emergency purpose must require a justification',
    path: ['requiresJustification'],
  });

const roleSchema = z.strictObject({
  name,
  agency: z.enum(AGENCIES),
  description: text,
  purposes: z.array(name),
  /** `active-cohort`: only active IOM cohort members exist for the role (except in an emergency). */
  subjectScope: z.enum(['active-cohort', 'all-linked']),
  /** Sees the disclosure ledger only, never person data (the IG officer). */
  auditOnly: z.boolean().default(false),
  /** May select, move and de-select cohort members (the IOM coordinator); every change is an alteration in the ledger. */
  managesCohort: z.boolean().default(false),
});

const lawfulBasisSchema = z
  .strictObject({
    /** The power to share, e.g. "Crime and Disorder Act 1998". */
    statute: text,
    section: text,
    ukGdprArticle6: text.optional(),
    /** Special-category condition (Art 9(2)) and, where used, the DPA 2018 Schedule 1 paragraph. */
    article9Condition: text.optional(),
    /** Basis for police recipients' law-enforcement processing under DPA 2018 Part 3. */
    dpa2018Part3: text.optional(),
  })
  .refine((basis) => basis.ukGdprArticle6 !== undefined || basis.dpa2018Part3 !== undefined, {
    message: 'needs a processing basis: ukGdprArticle6, dpa2018Part3 or both',
  });

const clauseSchema = z.strictObject({
  id: z.string().regex(/^C-\d{2,3}$/, 'must look like C-07'),
  title: text,
  roles: z.array(name).min(1, 'must name at least one role'),
  purposes: z.array(name).min(1, 'must name at least one purpose'),
  dataItems: z.array(dataItem).min(1, 'must name at least one data item'),
  lawfulBasis: lawfulBasisSchema,
  /** All must hold for the clause to grant anything. */
  conditions: z.array(z.enum(CONDITIONS)).default([]),
  /** The clause grants nothing after this date until it is reviewed and re-signed. */
  reviewDate: isoDate,
  retention: text.optional(),
});

export const ispSchema = z.strictObject({
  id: name,
  /** Quoted in YAML ("1.3") so that it stays text. */
  version: text,
  title: text,
  parties: z.array(partySchema).min(1, 'must name at least one party'),
  purposes: z.array(purposeSchema).min(1, 'must declare at least one purpose'),
  roles: z.array(roleSchema).min(1, 'must declare at least one role'),
  /** Data items that are special-category (UK GDPR Art 9): a clause granting one must state an Art 9 condition. */
  specialCategoryDataItems: z.array(dataItem).default([]),
  clauses: z.array(clauseSchema),
});

export type Party = z.infer<typeof partySchema>;
export type Purpose = z.infer<typeof purposeSchema>;
export type Role = z.infer<typeof roleSchema>;
export type LawfulBasis = z.infer<typeof lawfulBasisSchema>;
export type Clause = z.infer<typeof clauseSchema>;
export type Isp = z.infer<typeof ispSchema>;

/** What the gateway knows about the person a decision concerns. */
export interface SubjectFacts {
  inActiveCohort: boolean;
  consentRecorded: boolean;
  mappaCase: boolean;
}
