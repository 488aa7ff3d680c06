// The trust policy model: who may vouch (parties), what counts as vouching (levels, criteria), how
// much it weighs and what overrides a score (required parties, vetoes, exemptions). Pure types,
// produced by parse.ts from pyvouch.toml or pyproject.toml [tool.pyvouch]; see docs/policy.md.

/** `[policy] dynamic-metadata`: how a node's metadata may have been obtained (build-policy.ts). */
export type DynamicMetadataRule = 'static-only' | 'built' | 'built-for-target';

/** Criteria every policy knows; `safe-to-deploy` implies `safe-to-run` (as in cargo-vet). */
export const BUILTIN_CRITERIA: Readonly<Record<string, { implies: readonly string[]; description: string }>> = {
  'safe-to-run': {
    implies: [],
    description: 'running the code (tests, a build, local use) cannot harm the machine it runs on',
  },
  'safe-to-deploy': {
    implies: ['safe-to-run'],
    description: 'safe to run in production: no harm to the host, and no backdoors or data leaks for its users',
  },
};

export interface CriteriaDefinition {
  name: string;
  /** Criteria directly implied (not the closure; see criteria.ts). */
  implies: string[];
  description?: string;
}

interface PartyBase {
  name: string;
  /** Weight each vouching member adds (per member for groups). */
  weight: number;
  description?: string;
}

/** One identity (a did). */
export interface IdentityParty extends PartyBase {
  kind: 'identity';
  identities: [string];
}

/** A named group of identities; each member that vouches adds `weight`. */
export interface GroupParty extends PartyBase {
  kind: 'group';
  identities: string[];
}

/** The package index: it vouches for artifacts the graph takes from it with a locked sha256. */
export interface IndexParty extends PartyBase {
  kind: 'index';
  /** The index URL as written. */
  index: string;
  /** Normalised for comparison (see normalizeIndexUrl). */
  indexKey: string;
}

/**
 * Source parties vouch through where pyvouch got a statement (`Statement.source`, set by pyvouch,
 * never by the signer), not through who signed it. Each adds its weight once per node.
 */
/** PEP 740 trusted publishers: `publish` statements (made from Sigstore-verified provenance). */
export interface PublisherParty extends PartyBase {
  kind: 'publisher';
  /** Globs anchored on the whole `PublisherIdentity.id`: `*` stays within one `/` segment, `**` crosses them. */
  publishers: string[];
}

/** A followed statement feed: audits that came from the feed named `feed`. */
export interface FeedParty extends PartyBase {
  kind: 'feed';
  feed: string;
}

/**
 * Local assessors (src/scan/). A negative weight counts the scanners' findings (flags) and lowers
 * the score; a positive one counts their clean results.
 */
export interface ScannerParty extends PartyBase {
  kind: 'scanner';
  /** Only this assessor (`source.name`); undefined = every scanner. */
  scanner?: string;
}

export type SourceParty = PublisherParty | FeedParty | ScannerParty;
export type Party = IdentityParty | GroupParty | IndexParty | SourceParty;
/** Parties whose members sign statements. */
export type StatementParty = IdentityParty | GroupParty;

export function isStatementParty(p: Party): p is StatementParty {
  return p.kind === 'identity' || p.kind === 'group';
}

export function isSourceParty(p: Party): p is SourceParty {
  return p.kind === 'publisher' || p.kind === 'feed' || p.kind === 'scanner';
}

/**
 * A party or level that must vouch: `count` distinct identities of it (members of a group party,
 * auditors of a level); 1 for an identity, index or source party and for a voted level.
 */
export interface RequiredRule {
  name: string;
  count: number;
}

/** Who may override a veto: a direct member of `party` auditing the release after the flag. */
export interface Override {
  party: string;
  /** Only vetoes raised through these parties; undefined = any party but `party` itself. */
  vetoesOf?: string[];
  /** Only these finding kinds; undefined = any. */
  findings?: string[];
}

interface LevelBase {
  /** Unique among levels and parties; defaults to the kind. */
  name: string;
  /** Restrict the level to these parties' members (and those they trust); undefined = every statement party. */
  parties?: string[];
}

/** An audit: an assess statement (or a review naming criteria) that meets `criteria`. */
export interface AuditedLevel extends LevelBase {
  kind: 'audited';
  /** Criteria to meet; undefined = the node's criteria (policy default or package override). */
  criteria?: string[];
  /** Replaces the party weight of each auditor when set. */
  weight?: number;
}

/** Any vouching statement signed by an author identity counts, whatever its criteria. */
export interface TrustedAuthorsLevel extends LevelBase {
  kind: 'trusted-authors';
  /** Only for these packages (canonical names); undefined = all. */
  packages?: string[];
  weight?: number;
}

/** At least `minVoters` distinct trusted voters for, net of those against: adds `weight` once. */
export interface VotedLevel extends LevelBase {
  kind: 'voted';
  minVoters: number;
  weight: number;
}

export type Level = AuditedLevel | TrustedAuthorsLevel | VotedLevel;

/** Per-package overrides, keyed by canonical name. */
export interface PackagePolicy {
  name: string;
  criteria?: string[];
  threshold?: number;
  required?: RequiredRule[];
  /** Release-age cooldown for this package, milliseconds (overrides [policy] min-age). */
  minAge?: number;
}

export interface TrustSettings {
  /** How many trust hops beyond a party identity count; 0 = only the named identities. */
  maxDepth: number;
  /** Multiplied in once per hop. */
  decay: number;
  /** Factor of each trust level. */
  levels: { high: number; medium: number; low: number };
}

export interface Exemption {
  name: string;
  version: string;
  reason: string;
  /** Epoch milliseconds; undefined = never expires. */
  expires?: number;
  /** Set by `pyvouch init`: the day (YYYY-MM-DD) the release was accepted as it was installed. */
  baseline?: string;
}

/** A [[deny]] or [[allow]] entry: a package (optionally a version range) decided before any score. */
export interface ListEntry {
  name: string;
  /** A PEP 440 specifier set, as written; undefined = every version. */
  versions?: string;
  reason: string;
  /** Epoch milliseconds; undefined = never expires. */
  expires?: number;
}

export interface Policy {
  /** Minimum score a node needs. */
  threshold: number;
  /** Default criteria a node must meet (all of them). */
  criteria: string[];
  /** Parties (or level names) that must vouch for every node, whatever the score. */
  required: RequiredRule[];
  /** Who may override vetoes; without any, a veto always stands. */
  overrides: Override[];
  /** A flag by an identity whose effective weight is at least this vetoes; undefined = off. */
  vetoWeight?: number;
  /** Finding kinds that veto when flagged by any trusted identity. */
  vetoFindings: string[];
  /** Statements older than this many milliseconds do not count; undefined = no limit. */
  maxAge?: number;
  /** Statements only count when they name the locked sha256 of every file of the node. */
  requireHashBinding: boolean;
  /**
   * The project's own code (editable installs and virtual workspace projects, which are built from
   * the working tree, not downloaded): `exempt` (the default, as cargo-vet treats first-party
   * crates) reports them as exempt; `check` holds them to the policy like any download.
   */
  firstParty: 'exempt' | 'check';
  parties: Party[];
  /** Never empty: without [[level]] tables, one audited level of the node's criteria. */
  levels: Level[];
  /** Built-ins plus the policy's [criteria.*] tables, by name. */
  criteriaDefinitions: Map<string, CriteriaDefinition>;
  /** By canonical name. */
  packages: Map<string, PackagePolicy>;
  trust: TrustSettings;
  exemptions: Exemption[];
  /** [[deny]]: fail whatever the score (see lists.ts). */
  deny?: ListEntry[];
  /** [[allow]]: pass without reviews, unless denied or vetoed (see lists.ts). */
  allow?: ListEntry[];
  /** Release-age cooldown in milliseconds: younger releases fail (see cooldown.ts). */
  minAge?: number;
  /** Canonical names the cooldown does not apply to. */
  minAgeExempt?: string[];
  /** Whether build-only nodes (PEP 518 build requirements) are held to the policy; undefined = true. */
  checkBuildDeps?: boolean;
  /** How built metadata must have been obtained (build-policy.ts); undefined = "built-for-target". */
  dynamicMetadata?: DynamicMetadataRule;
  /** The policies it extends, nearest first (paths or URLs), when it has `extends`. */
  extendsFrom?: string[];
  /** Where the policy was read from, for messages. */
  file?: string;
}

export const DEFAULT_TRUST: TrustSettings = {
  maxDepth: 0,
  decay: 0.5,
  levels: { high: 1.0, medium: 0.5, low: 0.25 },
};

/**
 * Index URLs compare without case in scheme and host and without trailing slashes, so
 * `https://PyPI.org/simple/` and `https://pypi.org/simple` are the same index.
 */
export function normalizeIndexUrl(url: string): string {
  const trimmed = url.trim();
  try {
    const u = new URL(trimmed);
    const path = u.pathname.replace(/\/+$/, '');
    return `${u.protocol}//${u.host}${path}${u.search}`;
  } catch {
    return trimmed.replace(/\/+$/, '');
  }
}
