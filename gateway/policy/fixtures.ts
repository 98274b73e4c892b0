/**
 * Fixtures for the policy tests: the schema's data item catalogue as the gateway passes it, and a small ISP whose
 * every clause exists to exercise one rule of the decision (a condition, scope, expiry, audit-only).
 */
import { agencies } from '../../adapters/registry.js';
import { buildGatewaySchema } from '../schema.js';
import type { DataItemCatalogue } from './compile.js';

/** The data items the gateway's schema actually carries: core, cohort and every registered agency's. */
export const CATALOGUE: DataItemCatalogue = buildGatewaySchema(agencies).classification;

export const TEST_ISP = `id: testshire-isp
version: "1"
title: Testshire IOM test protocol
parties:
  - agency: police
    organisation: Testshire Police
    signatoryRole: Chief Constable
  - agency: housing
    organisation: Testshire Council
    signatoryRole: Director of Housing
  - agency: iom
    organisation: Testshire IOM unit
    signatoryRole: IOM Strategic Lead
purposes:
  - code: case-management
    description: Managing cohort members.
    lawfulBasisSummary: Crime and Disorder Act 1998 s.115.
    requiresJustification: false
  - code: mappa
    description: MAPPA risk management.
    lawfulBasisSummary: Criminal Justice Act 2003 s.325.
    requiresJustification: false
  - code: emergency
    description: Break-glass.
    lawfulBasisSummary: Vital interests.
    requiresJustification: true
    emergency:
      maxMinutes: 30
  - code: audit
    description: Checking the ledger.
    lawfulBasisSummary: DPA 2018 s.62(4).
    requiresJustification: false
roles:
  - name: police-officer
    agency: police
    description: Police offender manager.
    purposes: [case-management, mappa, emergency]
    subjectScope: active-cohort
  - name: housing-officer
    agency: housing
    description: Housing officer.
    purposes: [case-management, emergency]
    subjectScope: active-cohort
  - name: coordinator
    agency: iom
    description: IOM coordinator.
    purposes: [case-management]
    subjectScope: all-linked
  - name: ig-officer
    agency: iom
    description: Audits the ledger.
    purposes: [audit]
    subjectScope: all-linked
    auditOnly: true
    auditScope: partnership
specialCategoryDataItems: [drugs.treatmentEngagement]
clauses:
  - id: C-01
    title: Identity
    roles: [police-officer, housing-officer, coordinator]
    purposes: [case-management]
    dataItems: [identity.name]
    lawfulBasis:
      statute: Crime and Disorder Act 1998
      section: s.115
      ukGdprArticle6: Art 6(1)(e)
    reviewDate: "2027-09-30"
  - id: C-02
    title: Offending history
    roles: [police-officer, coordinator]
    purposes: [case-management]
    dataItems: [police.arrests]
    lawfulBasis:
      statute: Crime and Disorder Act 1998
      section: s.115
      dpa2018Part3: s.35(2)(b)
    conditions: [in-active-cohort]
    reviewDate: "2027-09-30"
  - id: C-03
    title: Engagement in drug treatment, with consent
    roles: [housing-officer, coordinator]
    purposes: [case-management]
    dataItems: [drugs.treatmentEngagement]
    lawfulBasis:
      statute: Crime and Disorder Act 1998
      section: s.115
      ukGdprArticle6: Art 6(1)(e)
      article9Condition: Art 9(2)(a) explicit consent
    conditions: [consent-recorded]
    reviewDate: "2027-09-30"
  - id: C-04
    title: MAPPA level
    roles: [police-officer]
    purposes: [mappa]
    dataItems: [probation.mappa]
    lawfulBasis:
      statute: Criminal Justice Act 2003
      section: s.325
      dpa2018Part3: s.35(2)(b)
    conditions: [mappa-case]
    reviewDate: "2027-09-30"
  - id: C-05
    title: Break-glass
    roles: [police-officer, housing-officer]
    purposes: [emergency]
    dataItems: [identity.name, housing.staffSafetyFlags]
    lawfulBasis:
      statute: Crime and Disorder Act 1998
      section: s.115
      ukGdprArticle6: Art 6(1)(d)
    conditions: [emergency]
    reviewDate: "2027-09-30"
  - id: C-06
    title: Address (lapsed)
    roles: [housing-officer, coordinator]
    purposes: [case-management]
    dataItems: [housing.address]
    lawfulBasis:
      statute: Policing and Crime Act 2009
      section: s.108
      ukGdprArticle6: Art 6(1)(e)
    reviewDate: "2025-01-31"
  - id: C-07
    title: Address of cohort members
    roles: [coordinator]
    purposes: [case-management]
    dataItems: [housing.address]
    lawfulBasis:
      statute: Policing and Crime Act 2009
      section: s.108
      ukGdprArticle6: Art 6(1)(e)
    conditions: [in-active-cohort]
    reviewDate: "2027-09-30"
`;
