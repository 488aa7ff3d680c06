// Builders for policy tests: decoded statements, graph nodes and graphs, written directly (signing
// and decoding belong to attest/; evaluation consumes the decoded view).

import type { Statement, TrustLevel } from '../../src/attest/types.js';
import type { Artifact, Graph, GraphEdge, GraphNode } from '../../src/graph/graph.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import type { Policy } from '../../src/trust/policy.js';
import { seedPolicyText } from '../support/policy.js';

export const NOW = new Date('2025-06-01T00:00:00Z');
export const LAST_MONTH = '2025-05-01T00:00:00Z';

/** A syntactically valid identity per name, e.g. did('alice') -> did:key:z6Mkalice. */
export function did(name: string): string {
  return `did:key:z6Mk${name}`;
}

/** A fake but well-formed sha256 per file name. */
export function sha(file: string): string {
  let h = 0;
  for (const c of file) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}

let counter = 0;
function nextId(): string {
  counter++;
  return `st${String(counter).padStart(6, '0')}`;
}

export function wheel(name: string, version: string): string {
  return `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
}

interface Common {
  id?: string;
  start?: string;
  end?: string;
  /** Subjects' files; default: the wheel of name==version. `[]` for none. */
  files?: string[];
}

function pkgStatement(kind: Statement['kind'], agent: string, name: string, version: string, o: Common): Statement {
  const files = o.files ?? [wheel(name, version)];
  const s: Statement = {
    id: o.id ?? nextId(),
    kind,
    predicateType: `https://pyvouch.dev/${kind}/v1`,
    agent,
    startTime: o.start ?? LAST_MONTH,
    description: '',
    package: { name, version, purl: `pkg:pypi/${name}@${version}` },
    subjects: files.map((f) => ({ name: f, sha256: sha(f) })),
    criteria: [],
  };
  if (o.end !== undefined) s.endTime = o.end;
  return s;
}

export function assess(
  agent: string,
  name: string,
  version: string,
  o: Common & { criteria?: string[]; deltaFrom?: string } = {},
): Statement {
  const s = pkgStatement('assess', agent, name, version, o);
  s.criteria = o.criteria ?? ['safe-to-deploy'];
  if (o.deltaFrom !== undefined) s.deltaFrom = o.deltaFrom;
  return s;
}

export function review(
  agent: string,
  name: string,
  version: string,
  o: Common & { criteria?: string[]; rating?: Statement['rating']; deltaFrom?: string } = {},
): Statement {
  const s = pkgStatement('review', agent, name, version, o);
  s.criteria = o.criteria ?? ['safe-to-deploy'];
  s.rating = o.rating ?? 'positive';
  if (o.deltaFrom !== undefined) s.deltaFrom = o.deltaFrom;
  return s;
}

export function vote(agent: string, name: string, version: string, v: 'for' | 'against', o: Common = {}): Statement {
  const s = pkgStatement('vote', agent, name, version, o);
  s.vote = v;
  return s;
}

export function like(agent: string, name: string, version: string, o: Common = {}): Statement {
  return pkgStatement('like', agent, name, version, o);
}

export function flag(
  agent: string,
  name: string,
  version: string,
  finding: string,
  o: Common & { severity?: 'low' | 'medium' | 'high' | 'critical' } = {},
): Statement {
  const s = pkgStatement('flag', agent, name, version, o);
  s.finding = { kind: finding, severity: o.severity ?? 'critical' };
  return s;
}

export function trust(
  agent: string,
  subject: string,
  level: TrustLevel,
  o: { id?: string; start?: string; end?: string; criteria?: string[]; weight?: number } = {},
): Statement {
  const s: Statement = {
    id: o.id ?? nextId(),
    kind: 'trust',
    predicateType: 'https://pyvouch.dev/trust/v1',
    agent,
    startTime: o.start ?? LAST_MONTH,
    description: '',
    subjects: [],
    criteria: [],
    trust: { subject, level, criteria: o.criteria ?? [], ...(o.weight === undefined ? {} : { weight: o.weight }) },
  };
  if (o.end !== undefined) s.endTime = o.end;
  return s;
}

export function rotate(from: string, to: string, o: { id?: string; start?: string; agent?: string } = {}): Statement {
  return {
    id: o.id ?? nextId(),
    kind: 'rotate',
    predicateType: 'https://pyvouch.dev/rotate/v1',
    agent: o.agent ?? from,
    startTime: o.start ?? LAST_MONTH,
    description: '',
    subjects: [],
    criteria: [],
    rotation: { from, to },
  };
}

export function node(
  name: string,
  version: string,
  o: { hashed?: boolean; index?: string; files?: string[]; source?: GraphNode['source'] } = {},
): GraphNode {
  const files = o.files ?? [wheel(name, version)];
  const artifacts: Artifact[] = files.map((f) => {
    const a: Artifact = { filename: f, kind: f.endsWith('.whl') ? 'wheel' : 'sdist' };
    if (o.hashed !== false) a.sha256 = sha(f);
    if (o.index !== undefined) a.index = o.index;
    return a;
  });
  const n: GraphNode = { name, version, artifacts, metadata: 'lock' };
  if (o.source !== undefined) n.source = o.source;
  return n;
}

export function graph(nodes: GraphNode[], edges: [string, string][] = [], roots?: string[]): Graph {
  return {
    source: { format: 'uv.lock' },
    environment: { python: '3.12', platform: 'linux', machine: 'x86_64', implementation: 'cpython' },
    roots: roots ?? (nodes[0] === undefined ? [] : [nodes[0].name]),
    nodes,
    edges: edges.map(([from, to]): GraphEdge => ({ from, to, specifier: '', marker: null, extras: [] })),
    edgesKnown: true,
    diagnostics: [],
  };
}

export function policy(text: string): Policy {
  return parsePolicyToml(text, { file: 'pyvouch.toml' });
}

/** The seed example with distinct identities, so each member can be told apart. */
export const SEED_DISTINCT = seedPolicyText(did('curator'), [did('alice'), did('bob'), did('carol')]);
