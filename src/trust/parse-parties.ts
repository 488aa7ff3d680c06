// The policy's "who" sections: [[party]] (who vouches: identities, groups, indexes, publishers,
// feeds, scanners), [[level]] (how their statements are weighed), `required` rules and
// [[override]] tables. Each reads its raw TOML through the field readers (parse-fields.ts).

import { suggestion, type Segment } from '../text/problems.js';
import { isStatementParty, normalizeIndexUrl, type Level, type Override, type Party, type RequiredRule } from './policy.js';
import { describe, isTable, type PolicyFields, type Table } from './parse-fields.js';

const PARTY_SOURCES = ['identity', 'identities', 'index', 'publishers', 'feed', 'scanner'];
const PARTY_KEYS = ['name', 'weight', 'description', ...PARTY_SOURCES, 'trusted-publisher'];
const LEVEL_KINDS = ['audited', 'trusted-authors', 'voted'];
const LEVEL_KEYS: Record<string, string[]> = {
  audited: ['kind', 'name', 'description', 'parties', 'criteria', 'weight'],
  'trusted-authors': ['kind', 'name', 'description', 'parties', 'packages', 'weight'],
  voted: ['kind', 'name', 'description', 'parties', 'min-voters', 'weight'],
};
const ALL_LEVEL_KEYS = [...new Set(Object.values(LEVEL_KEYS).flat())];
const OVERRIDE_KEYS = ['party', 'vetoes-of', 'findings', 'description'];

function isUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' || u.protocol === 'file:';
  } catch {
    return false;
  }
}

export function readParties(f: PolicyFields, raw: unknown): Party[] {
  const out: Party[] = [];
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) {
    f.add(['party'], `expected an array of tables [[party]], got ${describe(raw)}`, 'write each party as a [[party]] table');
    return out;
  }
  const seen = new Map<string, number>();
  raw.forEach((body: unknown, i) => {
    const path: Segment[] = ['party', i];
    if (!isTable(body)) {
      f.add(path, `expected a table, got ${describe(body)}`);
      return;
    }
    f.keys(body, path, PARTY_KEYS);
    const name = f.string(body, 'name', path, { required: true });
    const description = f.string(body, 'description', path);
    if (name !== undefined) {
      const first = seen.get(name);
      if (first !== undefined) {
        f.add([...path, 'name'], `duplicate party name '${name}' (also party[${first}])`, 'give every party a unique name');
      } else seen.set(name, i);
    }
    if ('trusted-publisher' in body) {
      f.add([...path, 'trusted-publisher'], 'trusted-publisher is replaced by publishers', 'write `publishers = ["github:OWNER/REPO"]` (globs on the PEP 740 publisher identity)');
      return;
    }
    const sources = PARTY_SOURCES.filter((k) => k in body);
    if (sources.length === 0) {
      f.add(path, `party '${name ?? i}' names no identity, identities, index, publishers, feed or scanner`, 'say who the party is: `identity = "did:key:…"`, `identities = [...]`, `index = "https://…"`, `publishers = [...]`, `feed = "NAME"` or `scanner = true`');
      return;
    }
    if (sources.length > 1) {
      f.add(path, `party '${name ?? i}' has both ${sources.join(' and ')}; a party is exactly one of them`, 'split it into several [[party]] tables');
      return;
    }
    const source = sources[0]!;
    // Only a scanner may weigh negatively: its findings lower the score.
    const weight = f.number(body, 'weight', path, { min: source === 'scanner' ? -Infinity : 0, required: true });
    if (name === undefined || weight === undefined) return;
    const base = description === undefined ? { name, weight } : { name, weight, description };
    const party = readPartySource(f, source, body, path, base);
    if (party !== undefined) out.push(party);
  });
  return out;
}

/** The one source key of a [[party]] table, read into a party. */
function readPartySource(f: PolicyFields, source: string, body: Table, path: Segment[], base: { name: string; weight: number; description?: string }): Party | undefined {
  switch (source) {
    case 'identity': {
      const id = f.string(body, 'identity', path);
      if (id === undefined || !f.identity(id, [...path, 'identity'])) return undefined;
      return { ...base, kind: 'identity', identities: [id] };
    }
    case 'identities': {
      const ids = f.stringList(body, 'identities', path);
      if (ids === undefined) return undefined;
      if (ids.length === 0) {
        f.add([...path, 'identities'], 'a group needs at least one identity');
        return undefined;
      }
      let ok = true;
      ids.forEach((id, k) => {
        ok = f.identity(id, [...path, 'identities', k]) && ok;
      });
      return ok ? { ...base, kind: 'group', identities: [...new Set(ids)] } : undefined;
    }
    case 'index': {
      const url = f.string(body, 'index', path);
      if (url === undefined) return undefined;
      if (!isUrl(url)) {
        f.add([...path, 'index'], `'${url}' is not an index URL`, 'write the simple API URL, e.g. "https://pypi.org/simple"');
        return undefined;
      }
      return { ...base, kind: 'index', index: url, indexKey: normalizeIndexUrl(url) };
    }
    case 'publishers': {
      const globs = f.stringList(body, 'publishers', path);
      if (globs === undefined) return undefined;
      let ok = globs.length > 0;
      if (!ok) f.add([...path, 'publishers'], 'name at least one publisher, e.g. "github:pallets/*"');
      globs.forEach((g, k) => {
        if (!/^[a-z]+:\S+$/.test(g)) {
          f.add([...path, 'publishers', k], `'${g}' is not a publisher glob`, 'write KIND:PATH, e.g. "github:pallets/flask" or "github:pallets/*"');
          ok = false;
        }
      });
      return ok ? { ...base, kind: 'publisher', publishers: [...new Set(globs)] } : undefined;
    }
    case 'feed': {
      const feed = f.string(body, 'feed', path);
      if (feed === undefined) return undefined;
      if (feed.trim() === '') {
        f.add([...path, 'feed'], 'name the feed (as it was added)');
        return undefined;
      }
      return { ...base, kind: 'feed', feed };
    }
    default: {
      const v = body['scanner'];
      if (v === true) return { ...base, kind: 'scanner' };
      if (typeof v === 'string' && v.trim() !== '') return { ...base, kind: 'scanner', scanner: v };
      f.add([...path, 'scanner'], `expected true or an assessor name, got ${describe(v)}`);
      return undefined;
    }
  }
}

export function readLevels(f: PolicyFields, raw: unknown, parties: readonly Party[], known: (c: string) => boolean): Level[] {
  const out: Level[] = [];
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) {
    f.add(['level'], `expected an array of tables [[level]], got ${describe(raw)}`, 'write each level as a [[level]] table');
    return out;
  }
  const partyNames = new Map(parties.map((x) => [x.name, x]));
  const seen = new Map<string, number>();
  raw.forEach((body: unknown, i) => {
    const path: Segment[] = ['level', i];
    if (!isTable(body)) {
      f.add(path, `expected a table, got ${describe(body)}`);
      return;
    }
    const kind = f.string(body, 'kind', path, { required: true });
    if (kind === undefined) {
      f.keys(body, path, ALL_LEVEL_KEYS);
      return;
    }
    if (!LEVEL_KINDS.includes(kind)) {
      f.add([...path, 'kind'], `unknown level kind '${kind}'${suggestion(kind, LEVEL_KINDS)}`, `a level is one of ${LEVEL_KINDS.join(', ')}`);
      return;
    }
    f.keys(body, path, LEVEL_KEYS[kind]!, ` for a ${kind} level`);
    const name = f.string(body, 'name', path) ?? kind;
    if (partyNames.has(name)) {
      f.add([...path, 'name'], `level name '${name}' is also a party name`, 'give the level a distinct `name`');
    }
    const first = seen.get(name);
    if (first !== undefined) {
      f.add([...path, 'name'], `duplicate level name '${name}' (also level[${first}])`, 'give each level of the same kind a distinct `name`');
    } else seen.set(name, i);

    const levelParties = f.stringList(body, 'parties', path);
    levelParties?.forEach((pn, k) => {
      const party = partyNames.get(pn);
      if (party === undefined) {
        f.add([...path, 'parties', k], `unknown party '${pn}'${suggestion(pn, [...partyNames.keys()])}`);
      } else if (!isStatementParty(party)) {
        f.add([...path, 'parties', k], `party '${pn}' is ${party.kind === 'index' ? 'an index' : `a ${party.kind} party`}; levels weigh statements, so name parties with identities`);
      }
    });
    const weight = f.number(body, 'weight', path, { min: 0, required: kind === 'voted' });
    const base = levelParties === undefined ? { name } : { name, parties: levelParties };
    if (kind === 'audited') {
      const criteria = f.criteriaRef(body, 'criteria', path, known);
      out.push({
        ...base,
        kind,
        ...(criteria === undefined ? {} : { criteria }),
        ...(weight === undefined ? {} : { weight }),
      });
    } else if (kind === 'trusted-authors') {
      if (levelParties === undefined) {
        f.add([...path, 'parties'], 'a trusted-authors level needs `parties`: the parties whose members are the authors');
      }
      const pkgs = f.stringList(body, 'packages', path);
      const packages = pkgs?.map((n, k) => f.packageName(n, [...path, 'packages', k]) ?? n);
      out.push({
        ...base,
        kind,
        ...(packages === undefined ? {} : { packages }),
        ...(weight === undefined ? {} : { weight }),
      });
    } else {
      const minVoters = f.number(body, 'min-voters', path, { min: 1, integer: true, required: true });
      if (minVoters !== undefined && weight !== undefined) out.push({ ...base, kind: 'voted', minVoters, weight });
    }
  });
  return out;
}

/**
 * `required = ["pypi", "audited", { party = "internal", count = 2 }]`: names of parties or levels,
 * or tables asking for a count of distinct identities.
 */
export function readRequiredRules(f: PolicyFields, raw: unknown, path: Segment[], parties: readonly Party[], levels: readonly Level[]): RequiredRule[] {
  if (!Array.isArray(raw)) {
    f.add(path, `expected an array of party or level names, got ${describe(raw)}`);
    return [];
  }
  const partyByName = new Map(parties.map((p) => [p.name, p]));
  const levelNames = new Set(levels.map((l) => l.name));
  const all = [...partyByName.keys(), ...levelNames];
  const out = new Map<string, RequiredRule>();
  raw.forEach((item: unknown, i) => {
    const at: Segment[] = [...path, i];
    const rule = readRequiredRule(f, item, at, levelNames);
    if (rule === undefined) return;
    const { name, count } = rule;
    const party = partyByName.get(name);
    if (party === undefined && !levelNames.has(name)) {
      f.add(typeof item === 'string' ? at : [...at, 'party'], `'${name}' is not a party or level of this policy${suggestion(name, all)}`, 'name a [[party]] (or a [[level]]) that must vouch');
      return;
    }
    if (party !== undefined && party.weight < 0) {
      f.add(at, `party '${name}' has a negative weight: it lowers scores and cannot be required to vouch`);
      return;
    }
    if (party !== undefined && count > 1 && party.kind !== 'group') {
      f.add([...at, 'count'], `party '${name}' is ${party.kind === 'identity' ? 'one identity' : `a ${party.kind} party`}: it vouches at most once, so count ${count} can never be met`);
      return;
    }
    if (party?.kind === 'group' && count > party.identities.length) {
      f.add([...at, 'count'], `party '${name}' has ${party.identities.length} members; count ${count} can never be met`);
      return;
    }
    out.set(name, { name, count: Math.max(count, out.get(name)?.count ?? 0) });
  });
  return [...out.values()];
}

function readRequiredRule(f: PolicyFields, item: unknown, at: Segment[], levelNames: ReadonlySet<string>): RequiredRule | undefined {
  if (typeof item === 'string') return { name: item, count: 1 };
  if (!isTable(item)) {
    f.add(at, `expected a party or level name, or { party = NAME, count = N }, got ${describe(item)}`);
    return undefined;
  }
  f.keys(item, at, ['party', 'level', 'count']);
  const keys = (['party', 'level'] as const).filter((k) => k in item);
  if (keys.length !== 1) {
    f.add(at, 'name exactly one `party` or `level`', 'e.g. { party = "internal", count = 2 }');
    return undefined;
  }
  const name = f.string(item, keys[0]!, at);
  const count = f.number(item, 'count', at, { min: 1, integer: true }) ?? 1;
  if (name === undefined) return undefined;
  if (keys[0] === 'level' && !levelNames.has(name)) {
    f.add([...at, 'level'], `'${name}' is not a level of this policy${suggestion(name, [...levelNames])}`);
    return undefined;
  }
  return { name, count };
}

/** [[override]] tables: who may override a veto, and whose vetoes. */
export function readOverrides(f: PolicyFields, raw: unknown, parties: readonly Party[]): Override[] {
  const out: Override[] = [];
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) {
    f.add(['override'], `expected an array of tables [[override]], got ${describe(raw)}`);
    return out;
  }
  const names = parties.map((p) => p.name);
  raw.forEach((body: unknown, i) => {
    const path: Segment[] = ['override', i];
    if (!isTable(body)) {
      f.add(path, `expected a table, got ${describe(body)}`);
      return;
    }
    f.keys(body, path, OVERRIDE_KEYS);
    const party = f.string(body, 'party', path, { required: true });
    if (party === undefined) return;
    const p = parties.find((x) => x.name === party);
    if (p === undefined) {
      f.add([...path, 'party'], `unknown party '${party}'${suggestion(party, names)}`);
      return;
    }
    if (!isStatementParty(p)) {
      f.add([...path, 'party'], `party '${party}' has no identities: only a party whose members sign can override a veto`);
      return;
    }
    const vetoesOf = f.stringList(body, 'vetoes-of', path);
    vetoesOf?.forEach((n, k) => {
      if (!names.includes(n)) f.add([...path, 'vetoes-of', k], `unknown party '${n}'${suggestion(n, names)}`);
    });
    const findings = f.stringList(body, 'findings', path);
    out.push({ party, ...(vetoesOf === undefined ? {} : { vetoesOf }), ...(findings === undefined ? {} : { findings }) });
  });
  return out;
}
