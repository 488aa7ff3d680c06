// Which files of a release can be installed on the target (PEP 425 wheel tags, PEP 625 sdists),
// with pip's --no-binary / --only-binary choices, and the sentence that says why none can.

import type { TargetDescription } from '../graph/graph.js';
import { selectArtifacts, type TagOptions } from '../pep/tags.js';

export interface FilePolicy {
  target: TargetDescription;
  tags?: TagOptions;
  /** Projects (canonical names) to install from source only; ':all:' for every project. */
  noBinary?: ReadonlySet<string>;
  /** Projects to install from wheels only; ':all:' for every project. */
  onlyBinary?: ReadonlySet<string>;
}

export interface FileChoice<T> {
  /** The files that would be installed, most preferred first: fitting wheels, else sdists. */
  readonly chosen: T[];
  /** Set when `chosen` is empty: why, as the rest of a sentence about the release. */
  readonly unusable?: string;
}

function applies(set: ReadonlySet<string> | undefined, name: string): boolean {
  return set !== undefined && (set.has(name) || set.has(':all:'));
}

function isSdistName(filename: string): boolean {
  return filename.endsWith('.tar.gz') || filename.endsWith('.zip');
}

/** Chooses among the files of one release of `name` for the target. */
export function chooseFiles<T extends { filename: string }>(name: string, files: readonly T[], policy: FilePolicy): FileChoice<T> {
  const noBinary = applies(policy.noBinary, name);
  const onlyBinary = applies(policy.onlyBinary, name) && !noBinary;
  const wheels = files.filter((f) => f.filename.endsWith('.whl'));
  const sdists = files.filter((f) => isSdistName(f.filename));
  const candidates = [...(noBinary ? [] : wheels), ...(onlyBinary ? [] : sdists)];
  const byName = new Map(candidates.map((f) => [f.filename, f] as const));
  const chosen = selectArtifacts(
    candidates.map((f) => f.filename),
    policy.target,
    policy.tags ?? {},
  ).map((filename) => byName.get(filename)!);
  if (chosen.length > 0) return { chosen };
  return { chosen, unusable: whyNoFile(wheels.length, sdists.length, noBinary, onlyBinary, policy) };
}

function whyNoFile(wheels: number, sdists: number, noBinary: boolean, onlyBinary: boolean, policy: FilePolicy): string {
  const t = policy.target;
  const where = `${t.implementation} ${t.python} on ${t.platform} ${t.machine}`;
  if (noBinary) return wheels > 0 ? 'has only wheels, and binaries are disabled for it (--no-binary)' : 'has no files';
  if (onlyBinary) {
    return wheels > 0 ? `has no wheel for ${where}, and source builds are disabled for it (--only-binary)` : 'has no wheels, and source builds are disabled for it (--only-binary)';
  }
  if (wheels === 0 && sdists === 0) return 'has no installable files';
  return `has no wheel for ${where} and no source distribution`;
}
