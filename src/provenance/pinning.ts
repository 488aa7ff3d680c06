// Publisher pinning, trust on first use (the answer to uv#9122 / pip-tools#2080): per
// project, the PEP 740 publishers seen with verified attestations and the first and last release
// each signed. A release by an unpinned publisher is `publisher-changed`; a release without
// attestations after attested ones is `attestation-missing`; a signed acceptance lifts either.
// Pure: the state comes and goes through a PinStore (src/provenance/pin-store.ts).
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import type { Envelope } from '../attest/types.js';

/** The publisher id an acceptance names to accept releases without attestations. */
export const NO_ATTESTATION = 'none';

export interface PinnedPublisher {
  /** The publisher identity, e.g. `github:pallets/flask`. */
  publisher: string;
  firstVersion: string;
  lastVersion: string;
  /** ISO 8601: when pyvouch first and last saw it sign. */
  firstSeen: string;
  lastSeen: string;
  /** False for a publisher first seen after others were pinned and not (yet) accepted. */
  pinned: boolean;
}

/** A user's signed acceptance of a publisher (or of NO_ATTESTATION) for a project. */
export interface PublisherAcceptance {
  project: string;
  publisher: string;
  /** The signer's did:key. */
  by: string;
  at: string;
  /** The DSSE envelope that carries it, signed by `by` (checked on load). */
  envelope: Envelope;
}

export interface ProjectPins {
  /** Canonical project name (PEP 503). */
  project: string;
  publishers: PinnedPublisher[];
  acceptances: PublisherAcceptance[];
}

export type PinningFindingKind = 'publisher-changed' | 'attestation-missing';

export interface PinningFinding {
  kind: PinningFindingKind;
  project: string;
  version: string;
  /** The publishers pinned before this release. */
  expected: string[];
  /** What this release carries (empty: no attestation). */
  actual: string[];
  message: string;
}

export interface ReleaseProvenance {
  version: string;
  /** Verified publisher ids of the release's files; empty when it has no verified attestation. */
  publishers: readonly string[];
}

const byVersion = (a: string, b: string): number => {
  try {
    return Version.compare(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
};

export function emptyPins(project: string): ProjectPins {
  return { project: canonicalizeName(project), publishers: [], acceptances: [] };
}

function accepted(pins: ProjectPins, publisher: string, trusted: (did: string) => boolean): boolean {
  return pins.acceptances.some((a) => a.publisher === publisher && trusted(a.by));
}

/**
 * The findings for one release, judged against what was pinned before it. `trusted` says whose
 * acceptances count (the user's own keys, or the policy's trusted parties).
 */
export function judgeRelease(pins: ProjectPins | undefined, release: ReleaseProvenance, trusted: (did: string) => boolean): PinningFinding[] {
  if (pins === undefined) return [];
  const pinned = pins.publishers.filter((p) => p.pinned || accepted(pins, p.publisher, trusted));
  if (pinned.length === 0) return [];
  const expected = pinned.map((p) => p.publisher).sort();
  const findings: PinningFinding[] = [];
  if (release.publishers.length === 0) {
    // Releases older than the first attested one were published before attestations existed.
    const firstAttested = pinned.map((p) => p.firstVersion).sort(byVersion)[0]!;
    if (byVersion(release.version, firstAttested) > 0 && !accepted(pins, NO_ATTESTATION, trusted)) {
      findings.push({
        kind: 'attestation-missing',
        project: pins.project,
        version: release.version,
        expected,
        actual: [],
        message: `${pins.project} ${release.version} has no verified PEP 740 attestation, but releases since ${firstAttested} were published by ${expected.join(', ')}`,
      });
    }
    return findings;
  }
  const fresh = [...new Set(release.publishers)].filter((p) => !expected.includes(p) && !accepted(pins, p, trusted)).sort();
  if (fresh.length > 0) {
    findings.push({
      kind: 'publisher-changed',
      project: pins.project,
      version: release.version,
      expected,
      actual: [...new Set(release.publishers)].sort(),
      message: `${pins.project} ${release.version} was published by ${fresh.join(', ')}, not by the pinned ${expected.join(', ')}`,
    });
  }
  return findings;
}

/**
 * Records what a release's verified attestations showed. A publisher first seen while others are
 * pinned is remembered unpinned: only an acceptance makes it count, so one release by a stolen
 * token does not become the new normal.
 */
export function recordRelease(pins: ProjectPins, release: ReleaseProvenance, now: string): ProjectPins {
  const publishers = pins.publishers.map((p) => ({ ...p }));
  const hadPinned = publishers.some((p) => p.pinned);
  for (const id of new Set(release.publishers)) {
    const known = publishers.find((p) => p.publisher === id);
    if (known === undefined) {
      publishers.push({ publisher: id, firstVersion: release.version, lastVersion: release.version, firstSeen: now, lastSeen: now, pinned: !hadPinned });
      continue;
    }
    if (byVersion(release.version, known.firstVersion) < 0) known.firstVersion = release.version;
    if (byVersion(release.version, known.lastVersion) > 0) known.lastVersion = release.version;
    known.lastSeen = now;
  }
  return { ...pins, publishers };
}

/**
 * Whether recording changed anything worth writing: a publisher, its versions or its pin. `lastSeen`
 * alone moves on every look at a release, and is not worth a write of the pins each time.
 */
export function pinsChanged(before: ProjectPins | undefined, after: ProjectPins): boolean {
  if (before === undefined) return true;
  const shape = (p: ProjectPins): string => JSON.stringify(p.publishers.map(({ lastSeen: _, ...rest }) => rest));
  return shape(before) !== shape(after);
}

/**
 * Adds an acceptance. It pins nothing by itself: judgeRelease counts it only when its signer is
 * one the caller trusts, so a stranger's acceptance in the file changes nothing.
 */
export function addAcceptance(pins: ProjectPins, acceptance: PublisherAcceptance): ProjectPins {
  return {
    ...pins,
    acceptances: [...pins.acceptances.filter((a) => !(a.publisher === acceptance.publisher && a.by === acceptance.by)), acceptance],
  };
}
