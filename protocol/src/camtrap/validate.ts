import { parseCsv } from './csv.js';
import { CAMTRAP_TABLES, type CamtrapField, type CamtrapTable } from './tables.js';

export type CamtrapSchemas = Record<CamtrapTable, readonly CamtrapField[]>;

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$/;

/** Problems of one table against its schema: columns, required, types, ranges, enums, patterns, keys. */
function validateTable(table: CamtrapTable, text: string, keys: Record<string, Set<string>>, tables: CamtrapSchemas): string[] {
  const fields = tables[table];
  const { header, rows } = parseCsv(text);
  const problems: string[] = [];
  if (JSON.stringify(header) !== JSON.stringify(fields.map((f) => f.name))) problems.push(`${table}: columns ${header.join(',')} are not the standard's`);
  rows.forEach((row, n) => {
    const where = `${table} row ${n + 2}`;
    for (const f of fields) {
      const v = row[f.name] ?? '';
      if (v === '') {
        if (f.required) problems.push(`${where}: ${f.name} is required`);
        continue;
      }
      if (f.type === 'number' || f.type === 'integer') {
        const x = Number(v);
        if (!Number.isFinite(x) || (f.type === 'integer' && !Number.isInteger(x))) problems.push(`${where}: ${f.name}=${v} is not a ${f.type}`);
        if (f.minimum !== undefined && x < f.minimum) problems.push(`${where}: ${f.name}=${v} < ${f.minimum}`);
        if (f.maximum !== undefined && x > f.maximum) problems.push(`${where}: ${f.name}=${v} > ${f.maximum}`);
      }
      if (f.type === 'boolean' && !['true', 'false'].includes(v)) problems.push(`${where}: ${f.name}=${v} is not a boolean`);
      if (f.type === 'datetime' && (!DATETIME.test(v) || Number.isNaN(Date.parse(v)))) problems.push(`${where}: ${f.name}=${v} is not an ISO 8601 datetime`);
      if (f.type === 'object') {
        try {
          JSON.parse(v);
        } catch {
          problems.push(`${where}: ${f.name} is not JSON`);
        }
      }
      if (f.enum && !f.enum.includes(v)) problems.push(`${where}: ${f.name}=${v} is not one of ${f.enum.join('|')}`);
      if (f.pattern && !new RegExp(f.pattern).test(v)) problems.push(`${where}: ${f.name}=${v} does not match ${f.pattern}`);
      if (f.foreignKey && !keys[f.foreignKey]?.has(v)) problems.push(`${where}: ${f.name}=${v} is not in ${f.foreignKey}`);
      if (f.unique) {
        const k = `${table}.${f.name}`;
        const seen = (keys[k] ??= new Set());
        if (seen.has(v)) problems.push(`${where}: ${f.name}=${v} is not unique`);
        seen.add(v);
      }
    }
    if (table === 'observations' && Date.parse(row.eventStart ?? '') > Date.parse(row.eventEnd ?? '')) problems.push(`${where}: eventStart after eventEnd`);
  });
  return problems;
}

/**
 * Check a package's three tables against the Camtrap DP 1.0 schemas (in order, so foreign keys
 * resolve) and its datapackage.json against the profile's basics. An empty list means valid.
 * `tables` defaults to the schemas the exporters write with; a test passes an independent copy.
 */
export function validateCamtrapPackage(files: Record<string, string | undefined>, tables: CamtrapSchemas = CAMTRAP_TABLES): string[] {
  const keys: Record<string, Set<string>> = {};
  const problems: string[] = [];
  for (const t of ['deployments', 'media', 'observations'] as const) {
    const text = files[`${t}.csv`];
    if (text === undefined) problems.push(`${t}.csv is missing`);
    else problems.push(...validateTable(t, text, keys, tables));
  }
  const raw = files['datapackage.json'];
  if (raw === undefined) return [...problems, 'datapackage.json is missing'];
  try {
    const pkg = JSON.parse(raw) as { profile?: string; resources?: { name?: string; path?: string }[]; created?: string };
    if (!pkg.profile?.includes('camtrap-dp')) problems.push('datapackage.json: profile is not Camtrap DP');
    const names = (pkg.resources ?? []).map((r) => `${r.name}:${r.path}`);
    for (const t of ['deployments', 'media', 'observations']) if (!names.includes(`${t}:${t}.csv`)) problems.push(`datapackage.json: no ${t} resource`);
    if (!pkg.created || Number.isNaN(Date.parse(pkg.created))) problems.push('datapackage.json: created is not a datetime');
  } catch {
    problems.push('datapackage.json is not JSON');
  }
  return problems;
}
