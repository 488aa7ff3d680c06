// JSON-LD 1.1 export of the merged statement graph: one document whose @graph holds a node per
// package release (@id = its purl) carrying every action about it, and a node per identity carrying
// its trust and rotation actions. The actions are the schema.org predicates that were signed.
//
// Actions hang off their package through a reverse property: `actions` is declared as the reverse
// of schema:object, so after expansion every action is reachable from its package node under
// "@reverse" -> schema:object, and still states `object` itself. Identities list the trust and
// rotation actions they performed the same way, through the reverse of schema:agent.

import { actionFor, PACKAGE_KINDS, PYVOUCH_TERMS, SCHEMA_ORG_CONTEXT } from './predicate.js';
import type { JsonObject } from './problems.js';
import type { Statement, StoredStatement } from './types.js';

export const EXPORT_CONTEXT = [
  SCHEMA_ORG_CONTEXT,
  {
    ...PYVOUCH_TERMS,
    // schema.org has no type for "whoever holds this key" (Person and Organization both claim too much).
    Identity: { '@id': 'pyvouch:Identity' },
    actions: { '@reverse': 'object' },
    performed: { '@reverse': 'agent' },
  },
] as const;

/** The IRI of a statement's action node: its id (sha256 of the canonical envelope) under pyvouch's namespace. */
export function statementIri(id: string): string {
  return `https://pyvouch.dev/statement/${id}`;
}

export function toJsonLd(statements: readonly StoredStatement[]): JsonObject {
  const byId = new Map<string, Statement>();
  for (const { statement } of statements) byId.set(statement.id, statement);
  const ordered = [...byId.values()].sort((a, b) => compare(a.id, b.id));

  const packages = new Map<string, { name: string; version: string; actions: JsonObject[] }>();
  const identities = new Map<string, { name?: { at: number; id: string; value: string }; performed: JsonObject[] }>();
  const identity = (did: string): { name?: { at: number; id: string; value: string }; performed: JsonObject[] } => {
    let node = identities.get(did);
    if (node === undefined) identities.set(did, (node = { performed: [] }));
    return node;
  };

  for (const statement of ordered) {
    const action = { '@id': statementIri(statement.id), ...actionFor(statement) };
    const agent = identity(statement.agent);
    if (statement.agentName !== undefined) {
      // An identity may rename itself; the name from its latest statement wins (ties: highest id).
      const at = Date.parse(statement.startTime);
      if (agent.name === undefined || at > agent.name.at || (at === agent.name.at && statement.id > agent.name.id)) {
        agent.name = { at, id: statement.id, value: statement.agentName };
      }
    }
    if (PACKAGE_KINDS.includes(statement.kind) && statement.package !== undefined) {
      const { purl, name, version } = statement.package;
      let node = packages.get(purl);
      if (node === undefined) packages.set(purl, (node = { name, version, actions: [] }));
      node.actions.push(action);
    } else {
      agent.performed.push(action);
      if (statement.trust !== undefined) identity(statement.trust.subject);
      if (statement.rotation !== undefined) identity(statement.rotation.to);
    }
  }

  const graph: JsonObject[] = [];
  for (const [purl, node] of [...packages.entries()].sort((a, b) => compare(a[0], b[0]))) {
    graph.push({
      '@id': purl,
      '@type': 'SoftwareApplication',
      name: node.name,
      softwareVersion: node.version,
      actions: node.actions,
    });
  }
  for (const [did, node] of [...identities.entries()].sort((a, b) => compare(a[0], b[0]))) {
    graph.push({
      '@id': did,
      '@type': 'Identity',
      ...(node.name === undefined ? {} : { name: node.name.value }),
      ...(node.performed.length === 0 ? {} : { performed: node.performed }),
    });
  }
  return { '@context': structuredClone(EXPORT_CONTEXT), '@graph': graph };
}

// Code-unit order, not locale order: the export must be byte-identical on every machine.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
