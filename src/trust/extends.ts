// `extends`: a policy built on another (an organisation's), so a project adds to one shared policy.
// Pure merge of the decoded TOML documents, base first: tables merge key by key, arrays of tables
// ([[party]], [[level]], [[exemption]], [[deny]], [[allow]]) are concatenated, so a project can add
// parties, exemptions and list entries but never drop the base's; other values are replaced.

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Array.isArray narrows `unknown` to `any[]`; decoded TOML arrays hold values still to be checked. */
function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

/** Arrays of tables are appended to; everything else the child sets replaces the base's value. */
export function mergePolicyDocuments(base: Table, child: Table): Table {
  const out: Table = { ...base };
  for (const [key, value] of Object.entries(child)) {
    const cur = out[key];
    if (isTable(cur) && isTable(value)) out[key] = mergePolicyDocuments(cur, value);
    else if (isList(cur) && isList(value) && (cur.some(isTable) || value.some(isTable))) out[key] = [...cur, ...value];
    else out[key] = value;
  }
  return out;
}

/** The `extends` value of a document, validated as one string; undefined when absent. */
export function extendsOf(doc: Table): string | undefined | { error: string } {
  const v = doc['extends'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') return { error: `expected a path or an https URL, got ${JSON.stringify(v)}` };
  return v.trim();
}
