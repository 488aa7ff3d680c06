// The trust policy model: who may vouch (parties), what counts as vouching (levels, criteria), how
// much it weighs and what overrides a score (required parties, vetoes, exemptions). Pure types,
// produced by parse.ts from pyvouch.toml or pyproject.toml [tool.pyvouch]; see docs/policy.md.

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
 * A PyPI trusted publisher (PEP 740 provenance). Kept in the model so policies can name it now;
 * it contributes nothing until provenance verification feeds evaluation.
 */
export interface TrustedPublisherParty extends PartyBase {
  kind: 'trusted-publisher';
  publisher: { repository: string; workflow?: string; environment?: string };
}

export type Party = IdentityParty | GroupParty | IndexParty | TrustedPublisherParty;
/** Parties whose members sign statements. */
export type StatementParty = IdentityParty | GroupParty;

export function isStatementParty(p: Party): p is StatementParty {
  return p.kind === 'identity' || p.kind === 'group';
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
  required?: string[];
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
  required: string[];
  /** A flag by an identity whose effective weight is at least this vetoes; undefined = off. */
  vetoWeight?: number;
  /** Finding kinds that veto when flagged by any trusted identity. */
  vetoFindings: string[];
  /** Statements older than this many milliseconds do not count; undefined = no limit. */
  maxAge?: number;
  /** Statements only count when bound to a locked sha256 of the node. */
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
