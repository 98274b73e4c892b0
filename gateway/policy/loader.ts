/**
 * Loads an ISP file: YAML syntax, the zod model, then the cross-references that a schema cannot express
 * (every role, purpose and agency a clause or role names is declared; ids are unique; the law's own rules
 * on special-category data and break-glass hold). Every fault is reported at once, each with its place.
 */
import { type Isp, ispSchema } from './model.js';
import { PolicyError, type PolicyFault } from './policy-error.js';
import { parseYaml, readYamlFile, type YamlSource } from './yaml-file.js';

/** A validated ISP and where it came from, so that later checks (the data item catalogue) can name places too. */
export type LoadedPolicy = Isp & { readonly source: YamlSource };

export function loadPolicy(file: string): LoadedPolicy {
  return checked(readYamlFile(file, ispSchema));
}

/** The same as `loadPolicy` for YAML already in memory; `file` names it in faults. */
export function parsePolicy(yamlText: string, file: string): LoadedPolicy {
  return checked(parseYaml(yamlText, file, ispSchema));
}

function checked({ value: isp, source }: { value: Isp; source: YamlSource }): LoadedPolicy {
  const faults = crossReferenceFaults(isp, source);
  if (faults.length > 0) throw new PolicyError(faults);
  return { ...isp, source };
}

function crossReferenceFaults(isp: Isp, source: YamlSource): PolicyFault[] {
  const faults: PolicyFault[] = [];
  const fault = (path: readonly PropertyKey[], message: string): void => {
    faults.push(source.fault(path, message));
  };

  const unique = <T>(list: 'parties' | 'purposes' | 'roles' | 'clauses', items: readonly T[], key: keyof T & string) => {
    const first = new Map<unknown, number>();
    items.forEach((item, index) => {
      const value = item[key];
      const earlier = first.get(value);
      if (earlier === undefined) first.set(value, index);
      else fault([list, index, key], `duplicate ${key} ${String(value)} (first at ${list}[${earlier}])`);
    });
  };
  unique('parties', isp.parties, 'agency');
  unique('purposes', isp.purposes, 'code');
  unique('roles', isp.roles, 'name');
  unique('clauses', isp.clauses, 'id');

  const agencies = new Set(isp.parties.map((party) => party.agency));
  const purposes = new Map(isp.purposes.map((purpose) => [purpose.code, purpose]));
  const roles = new Map(isp.roles.map((role) => [role.name, role]));
  const declaredPurposes = [...purposes.keys()].join(', ');

  isp.roles.forEach((role, r) => {
    if (!agencies.has(role.agency)) fault(['roles', r, 'agency'], `agency ${role.agency} is not one of the parties`);
    role.purposes.forEach((code, p) => {
      if (!purposes.has(code)) fault(['roles', r, 'purposes', p], `purpose ${code} is not declared (declared: ${declaredPurposes})`);
    });
  });

  const specialCategory = new Set(isp.specialCategoryDataItems);
  isp.clauses.forEach((clause, c) => {
    clause.purposes.forEach((code, p) => {
      if (!purposes.has(code)) fault(['clauses', c, 'purposes', p], `purpose ${code} is not declared (declared: ${declaredPurposes})`);
    });
    clause.roles.forEach((name, r) => {
      const role = roles.get(name);
      const refused = role ? clause.purposes.filter((code) => purposes.has(code) && !role.purposes.includes(code)) : [];
      if (!role) fault(['clauses', c, 'roles', r], `role ${name} is not declared (declared: ${[...roles.keys()].join(', ')})`);
      else if (role.auditOnly) fault(['clauses', c, 'roles', r], `role ${name} is audit-only and may receive no person data`);
      else if (refused.length > 0) {
        const declaredAt = `roles[${isp.roles.indexOf(role)}].purposes`;
        fault(['clauses', c, 'roles', r], `role ${name} may not use purpose ${refused.join(', ')} (see ${declaredAt})`);
      }
    });
    const sensitive = clause.dataItems.find((item) => specialCategory.has(item));
    if (sensitive && clause.lawfulBasis.article9Condition === undefined) {
      fault(['clauses', c, 'lawfulBasis'], `grants special-category data item ${sensitive} but states no article9Condition`);
    }
    const breakGlass = clause.purposes.find((code) => purposes.get(code)?.emergency);
    if (breakGlass && !clause.conditions.includes('emergency')) {
      fault(['clauses', c, 'conditions'], `grants under emergency purpose ${breakGlass} so must carry the emergency condition`);
    }
  });
  return faults;
}
