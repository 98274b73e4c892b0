/**
 * A new agency folder from one template (kit/scaffold/*.template), the identity change feed's part of its contract
 * from the shared kit (identity-changes.ts), and what the partnership must add to its ISP and policy tests before
 * anyone sees it.
 * `npm run new-agency -- <name> --title "<Title>"` (scripts/new-agency.ts) writes what this returns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IDENTITY_CHANGES_PATH_YAML, IDENTITY_CHANGES_SCHEMAS_YAML } from './identity-changes.js';
import { CONTRACT_LIMITS } from './identity-feed.js';

const TEMPLATES = new URL('./scaffold/', import.meta.url);

/** A name is the `Person` field, the folder, the data items' prefix and `<NAME>_URL`: lower-case letters only. */
export const AGENCY_NAME = /^[a-z]{2,20}$/;

export interface Scaffold {
  /** Path inside the agency's folder → contents. */
  files: ReadonlyMap<string, string>;
  /** What to add to the ISP (policies/iom-partnership.yaml), as YAML to paste under each section. */
  isp: { party: string; role: string; clauses: string };
  /** What to add to the ISP's test suite (policies/tests/iom-partnership.yaml): every purpose of the new role. */
  policyCases: string;
}

export interface ScaffoldRequest {
  name: string;
  title: string;
  /** The ISP's purposes, so the policy cases cover the new role against every one. */
  purposes: readonly string[];
}

export function scaffoldAgency({ name, title, purposes }: ScaffoldRequest): Scaffold {
  if (!AGENCY_NAME.test(name))
    throw new Error(`the agency name "${name}" must be 2 to 20 lower-case letters (it becomes Person.${name} and ${name.toUpperCase()}_URL)`);
  if (title.trim().length === 0 || /[\n'"`\\]/.test(title)) throw new Error('the title must be one line without quotes or backslashes');
  const pascal = name[0]?.toUpperCase() + name.slice(1);
  const fill = (text: string) =>
    text
      .replaceAll('__IDENTITY_CHANGES_PATH__', IDENTITY_CHANGES_PATH_YAML)
      .replaceAll('__IDENTITY_CHANGES_SCHEMAS__', IDENTITY_CHANGES_SCHEMAS_YAML)
      .replaceAll('__BATCH_KEYS__', String(CONTRACT_LIMITS.batchKeys))
      .replaceAll('__EVENT_PAGE__', String(CONTRACT_LIMITS.eventPage))
      .replaceAll('__PREFIX__', `${name.slice(0, 3).toUpperCase()}-`)
      .replaceAll('__Title__', title.trim())
      .replaceAll('__Name__', pascal)
      .replaceAll('__name__', name);
  const files = new Map<string, string>();
  for (const template of readdirSync(fileURLToPath(TEMPLATES)).filter((file) => file.endsWith('.template'))) {
    const target = template.replace(/\.template$/, '').replace(/^agency\./, `${name}.`);
    files.set(target, fill(readFileSync(new URL(template, TEMPLATES), 'utf8')));
  }
  const role = `${name}-case-worker`;
  const items = [`${name}.caseStatus`, `${name}.caseWorker`];
  const own = ['iom-case-management', 'safeguarding', 'emergency'].filter((purpose) => purposes.includes(purpose));
  const cases = purposes.map((purpose) => {
    const granted = purpose === 'iom-case-management';
    return `  - {role: ${role}, purpose: ${purpose}, subject: {inActiveCohort: true}, dataItem: ${items[0]}, expect: ${granted ? 'allow, clause: C-__' : `deny, reason: no-clause`}}`;
  });
  return {
    files,
    isp: {
      party: `  - agency: ${name}\n    organisation: ${title.trim()}\n    signatoryRole: <who signs for the service>\n`,
      role: `  - name: ${role}\n    agency: ${name}\n    description: <what the role does for the partnership>\n    purposes: [${own.join(', ')}]\n    subjectScope: active-cohort\n`,
      clauses: [
        '  - id: C-__',
        `    title: ${title.trim()} case status and case worker for the IOM case`,
        `    roles: [${role}, iom-coordinator]`,
        '    purposes: [iom-case-management]',
        `    dataItems: [${items.join(', ')}]`,
        '    lawfulBasis:',
        '      statute: Crime and Disorder Act 1998',
        '      section: s.115',
        '      ukGdprArticle6: Art 6(1)(e) public task',
        '    conditions: [in-active-cohort]',
        '    reviewDate: "<the date the partnership reviews it>"',
        '',
      ].join('\n'),
    },
    policyCases: `  # --- ${role} ---\n${cases.join('\n')}\n  - {role: iom-coordinator, purpose: iom-case-management, subject: {inActiveCohort: true}, dataItem: ${items[1]}, expect: allow, clause: C-__}\n`,
  };
}
