// The value policy evaluation returns: a verdict per node with the contributions that made it and
// what it lacks, and one for the whole graph. Plain JSON-able data, so renderers (text, JSON,
// SARIF, HTML) only format it. Every structured item also carries a human `message`.

export type Verdict = 'pass' | 'fail' | 'exempt';

export type ContributionKind =
  | 'audit' // an assess statement (or a review naming criteria) meeting the criteria
  | 'delta-audit' // the same for the diff from an already vouched-for version
  | 'author' // any vouching statement by an author identity (trusted-authors level)
  | 'votes' // a voted level reached its quorum
  | 'index' // the index serves the locked artifacts
  | 'publisher' // PEP 740 provenance of every locked file names a trusted publisher
  | 'feed' // a followed feed carries audits binding every locked file
  | 'scanner'; // a local assessor's results (negative weight: its findings)

export interface Contribution {
  /** Party name; for `votes`, the level name. */
  party: string;
  /** Level name (`audited` by default); `index` for index parties. */
  level: string;
  kind: ContributionKind;
  /** Statement id; for `votes` the first counted vote; null for `index`. */
  statement: string | null;
  /** Signer identity; the index URL for `index`; the level name for `votes`. */
  agent: string;
  /** What this adds to the score (after decay and capping). */
  weight: number;
  /** Criteria the statement claims (as written). */
  criteria: string[];
  /** Trust path: identities from the party's own member to the signer (the signer alone when direct). */
  path: string[];
  /** Trust hops from the party's member (0 = a member signed it). */
  depth: number;
  /** Delta audits: the version the diff starts from and the chain down to a full audit. */
  delta?: { from: string; chain: string[] };
  /** Counted by name and version alone: the node records no sha256 (require-hash-binding = false). */
  unbound?: true;
  /** Reduced (possibly to 0) because delegated trust never weighs more than the party member it came through. */
  capped?: true;
  /** `votes`: the counted voters. */
  /** `votes`: the counted voters, each with its voice (its trust route's factor; 1 for a member). */
  voters?: { agent: string; statement: string; vote: 'for' | 'against'; voice: number }[];
  message: string;
}

export type Missing =
  | { kind: 'score'; need: number; have: number; short: number; message: string }
  | { kind: 'required'; party: string; need: number; have: number; message: string }
  | {
      kind: 'veto';
      statement: string;
      party: string;
      agent: string;
      finding: { kind: string; severity: string };
      message: string;
    }
  | { kind: 'no-statements'; message: string }
  | { kind: 'untrusted'; statements: number; message: string }
  | { kind: 'unbound'; statements: number; message: string }
  | { kind: 'hash-mismatch'; statements: number; message: string }
  | { kind: 'exemption-expired'; reason: string; expires: string; message: string }
  | { kind: 'denied'; reason: string; versions?: string; message: string }
  | { kind: 'too-young'; uploaded: string; minAge: string; allowedAt: string; message: string }
  | { kind: 'age-unknown'; message: string }
  | { kind: 'dynamic-metadata'; rule: string; message: string; help: string };

export type NoteKind =
  | 'expired'
  | 'too-old'
  | 'not-yet-valid'
  | 'invalid-time'
  | 'retired-key'
  | 'distrusted'
  | 'hash-mismatch'
  | 'unbound'
  | 'flag'
  | 'votes'
  | 'delta-base'
  | 'index'
  | 'source'
  | 'trusted-publisher'
  | 'exemption-expired'
  | 'list-expired'
  | 'allowed'
  | 'cooldown';

/** Why a statement about the node did not count. */
export type SetAsideReason =
  | 'unknown-identity' // its signer is in no party and trusted by no one the policy trusts
  | 'distrusted' // cut by the distrust of someone on every route that would reach its signer
  | 'criteria-short' // an audit of criteria that do not meet what the node needs
  | 'not-counted' // no level (or source party) of the policy counts this kind of statement
  | 'same-identity' // its signer already counts once for this node, through a better statement
  | 'expired'
  | 'too-old'
  | 'not-yet-valid'
  | 'invalid-time'
  | 'superseded' // its author said something newer about the release
  | 'retracted' // its author took it back
  | 'retired-key' // signed with a rotated-away key and not received before the rotation
  | 'unbound-file' // does not name the sha256 of every file the lock allows for the node
  | 'delta-base' // a delta whose base is not vouched for, or vetoed
  | 'bad-signature'; // its envelope did not verify

export interface SetAside {
  statement: string;
  /** The signer. */
  agent: string;
  /** The statement's kind (review, assess, flag, …). */
  kind: string;
  reason: SetAsideReason;
  /** The statement that superseded or retracted it, when there is one. */
  by?: string;
  message: string;
}

/** A veto that a party named in [[override]] overrode. */
export interface Overridden {
  /** The flag. */
  statement: string;
  party: string;
  agent: string;
  finding: { kind: string; severity: string };
  /** The overriding party, its member and statement (an audit signed after the flag). */
  by: { party: string; agent: string; statement: string };
  message: string;
}

/** Something that did not count (or only informs), kept so a verdict can be explained. */
export interface Note {
  kind: NoteKind;
  statement?: string;
  agent?: string;
  party?: string;
  message: string;
}

export interface NodeReport {
  name: string;
  version: string;
  verdict: Verdict;
  /** Sum of contribution weights. */
  score: number;
  threshold: number;
  /** Criteria the node had to meet (policy default or package override). */
  criteria: string[];
  /** Parties (or levels) that had to vouch, as `name` or `name×count`. */
  required: string[];
  contributions: Contribution[];
  /** Every statement about the node that did not count, with the reason. */
  setAside: SetAside[];
  /** Vetoes overridden under the policy's [[override]] rules. */
  overridden: Overridden[];
  /** Why the node fails (also listed for exempt nodes: what the exemption waives). */
  missing: Missing[];
  notes: Note[];
  exemption?: {
    reason: string;
    expires?: string;
    expired: boolean;
    /** False when the node would pass without it (the exemption can go). */
    needed: boolean;
  };
  /** Worst verdict over the node and everything it depends on. */
  closure: Verdict;
  /** When `closure` is worse than `verdict`: the path to the nearest dependency that makes it so. */
  closurePath?: string[];
  /** Set when an [[allow]] entry passed the node without reviews. */
  allowed?: { reason: string; versions?: string };
  /** Release-age cooldown, when the policy sets min-age: newest upload time and when it may pass. */
  cooldown?: { uploaded: string | null; allowedAt: string | null; passed: boolean; why: string };
  /** Failing nodes: other versions of the package already vouched for (bases for delta audits). */
  trustedVersions?: { version: string; parties: string[] }[];
}

export interface PolicyReport {
  passed: boolean;
  /** `now` of the evaluation (ISO 8601). */
  evaluatedAt: string;
  threshold: number;
  criteria: string[];
  counts: { nodes: number; pass: number; fail: number; exempt: number; closureFail: number };
  /** Sorted by name. */
  nodes: NodeReport[];
}

/** A few lines explaining one node's verdict, for text renderers and error messages. */
export function explainNode(node: NodeReport): string[] {
  const head = `${node.name} ${node.version}: ${node.verdict} (score ${formatNumber(node.score)} of ${formatNumber(node.threshold)}, criteria ${node.criteria.join(', ')})`;
  const lines = [head];
  if (node.exemption !== undefined) {
    lines.push(`  exemption${node.exemption.expired ? ' (expired)' : ''}: ${node.exemption.reason}`);
  }
  if (node.allowed !== undefined) lines.push(`  allow list: ${node.allowed.reason}`);
  for (const c of node.contributions) lines.push(`  + ${c.message}`);
  for (const o of node.overridden) lines.push(`  ~ ${o.message}`);
  if (node.verdict !== 'pass') for (const m of node.missing) lines.push(`  - ${m.message}`);
  if (node.closurePath !== undefined) lines.push(`  depends on a ${node.closure} node: ${node.closurePath.join(' -> ')}`);
  return lines;
}

/** Numbers as people write them: no float noise, at least one decimal for weights. */
export function formatNumber(n: number): string {
  const r = Math.round(n * 1000) / 1000;
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

/** The one-line explanation of a contribution. `statementKind` is the kind of its statement. */
export function describeContribution(c: Contribution, statementKind: string): string {
  const who = `${c.party} (${shortIdentity(c.agent)})`;
  const what =
    c.kind === 'author'
      ? `${statementKind} by author ${who}`
      : c.kind === 'delta-audit'
        ? `delta audit from ${c.delta!.from} for ${c.criteria.join(', ')} by ${who}`
        : `audit for ${c.criteria.join(', ')} by ${who}`;
  const via = c.depth > 0 ? `, trusted through ${c.path.slice(0, -1).map(shortIdentity).join(' -> ')} (depth ${c.depth})` : '';
  const flags = [c.unbound === true ? 'not bound to a hash' : '', c.capped === true ? 'capped' : ''].filter((x) => x !== '');
  return `${what}${via} (+${formatNumber(c.weight)}${flags.length > 0 ? `, ${flags.join(', ')}` : ''})`;
}

/** Identities are long; messages show their head and tail. */
export function shortIdentity(id: string): string {
  return id.length > 28 ? `${id.slice(0, 16)}…${id.slice(-6)}` : id;
}

export function shortStatementId(id: string): string {
  return id.length > 12 ? id.slice(0, 12) : id;
}
