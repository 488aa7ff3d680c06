// Statement sources: where the use cases gather signed statements from (the store, `--statements`
// files; feeds, provenance and scanners will be further sources), behind one interface, with
// de-duplication by statement id. Nothing above src/app/ gathers statements itself.
import type { Statement, StoredStatement } from '../attest/types.js';
import { BUILTIN_CRITERIA } from '../trust/policy.js';
import { packageStatements, type StatementStore } from '../store/store.js';

/** A statement a source refused, and why (it counts for nothing; the user is told). */
export interface SetAside {
  source: string;
  /** The statement id, or where it was read (file:line). */
  what: string;
  code: string;
  message: string;
}

export interface Gathered {
  statements: Statement[];
  setAside: SetAside[];
}

export interface StatementSource {
  /** For messages: `store pyvouch.db`, `--statements`, `feed acme`. */
  readonly name: string;
  /** Every statement about any of these canonical names, and every trust and rotation statement. */
  gather(names: readonly string[]): Promise<{ statements: readonly Statement[]; setAside?: readonly SetAside[] }>;
}

/**
 * The statement store as a source; rows whose envelope fails verification are reported. `only`
 * narrows it to the package statements or the trust web (the server caches the two apart).
 */
export function storeSource(
  store: StatementStore,
  only?: 'packages' | 'trust',
  opts: { feedCriteria?: ReadonlyMap<string, Readonly<Record<string, string>>> } = {},
): StatementSource {
  const name = `store ${store.location}`;
  return {
    name,
    async gather(names) {
      const [about, trust] = await Promise.all([
        only === 'trust' ? [] : packageStatements(store, names),
        only === 'packages' ? [] : store.trustStatements(),
      ]);
      const setAside = store.rejected().map((r) => ({ source: name, what: r.id, code: r.code, message: r.message }));
      const statements = [...about, ...trust.map((s) => s.statement)].map((s) => mapFeedCriteria(s, opts.feedCriteria));
      return { statements, setAside };
    },
  };
}

/**
 * A feed's criteria are ours only as `pyvouch feed follow --criteria-map` said (cargo-vet's
 * criteria mapping): the store keeps the signed statement as it was signed, so the mapping is
 * applied when it is read. A statement from a feed that is not followed here (no mapping known)
 * keeps only the built-in criteria, so a feed cannot claim a criterion of our policy by name.
 */
export function mapFeedCriteria(statement: Statement, maps: ReadonlyMap<string, Readonly<Record<string, string>>> | undefined): Statement {
  if (statement.source?.kind !== 'feed' || statement.criteria.length === 0) return statement;
  const map = maps?.get(statement.source.name ?? '') ?? {};
  const mapped = statement.criteria.map((c) => map[c] ?? (c in BUILTIN_CRITERIA ? c : undefined)).filter((c): c is string => c !== undefined);
  return { ...statement, criteria: [...new Set(mapped)] };
}

/**
 * Statements pyvouch loaded and verified itself (e.g. `--statements` files): received now, from
 * `{ kind: 'file' }`, whatever the statement or its file says.
 */
export function loadedSource(name: string, accepted: readonly StoredStatement[], setAside: readonly SetAside[], receivedAt: Date): StatementSource {
  const at = receivedAt.toISOString();
  const statements = accepted.map((s): Statement => ({ ...s.statement, receivedAt: at, source: { kind: 'file' } }));
  return { name, gather: () => Promise.resolve({ statements, setAside }) };
}

/** Gathers from every source in order; a statement seen twice (same id) keeps its first copy. */
export async function gatherStatements(sources: readonly StatementSource[], names: readonly string[]): Promise<Gathered> {
  const unique = [...new Set(names)];
  const results = await Promise.all(sources.map((s) => s.gather(unique)));
  const byId = new Map<string, Statement>();
  const setAside: SetAside[] = [];
  for (const r of results) {
    for (const s of r.statements) if (!byId.has(s.id)) byId.set(s.id, s);
    setAside.push(...(r.setAside ?? []));
  }
  return { statements: [...byId.values()], setAside };
}
