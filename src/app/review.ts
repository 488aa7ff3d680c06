// The review use cases: sign a statement (review, audit, vote, like, flag, trust, retract) and store
// it as an importer would, after verifying it; find the exact files a statement binds to (local
// files, a lock, or an index checked against the lock's sha256); and certify a (delta) audit of the
// files that were diffed. The key, the store and the index are injected: the CLI opens them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { diffReleaseTrees, readReleaseTree, sha256Of, type ReleaseDiff } from '../artifact/diff.js';
import type { Identity } from '../attest/keys.js';
import { buildStatement, signStatement, type StatementInput } from '../attest/statement.js';
import type { Envelope, StoredStatement } from '../attest/types.js';
import { verifyStatementEnvelope } from '../attest/verify.js';
import { PyvouchError } from '../errors.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import type { IndexFile, PackageIndex } from '../simple/types.js';
import type { StatementStore } from '../store/store.js';
import { releaseOf } from '../pep/filename.js';
import { lockedReleases } from './locked.js';

export interface Pin {
  name: string;
  version: string;
}

export interface BoundArtifact {
  filename: string;
  sha256: string;
}

export interface SignReviewInput {
  /** What to say; the signer, start and end times are filled in here. */
  statement: Omit<StatementInput, 'agent' | 'startTime' | 'endTime'>;
  identity: Identity;
  store: StatementStore;
  now: Date;
  /** RFC 3339 time after which the statement stops counting. */
  endTime?: string;
}

export interface SignedStatement {
  stored: StoredStatement;
  envelope: Envelope;
}

/** Builds, signs, verifies (as an importer would: what is stored is what any reader accepts) and stores. */
export async function signReview(input: SignReviewInput): Promise<SignedStatement> {
  const { identity, now } = input;
  const statement = buildStatement({
    ...input.statement,
    agent: { did: identity.did, ...(identity.name === undefined ? {} : { name: identity.name }) },
    startTime: now.toISOString(),
    ...(input.endTime === undefined ? {} : { endTime: input.endTime }),
  });
  const envelope = signStatement(statement, identity);
  const stored = verifyStatementEnvelope(envelope);
  await input.store.put([stored]);
  return { stored, envelope };
}

/**
 * The statement ids `identity` may retract, normalised: only the author of a statement can take it
 * back (evaluation ignores a retraction by anyone else), and a key rotation cannot be retracted.
 */
export async function retractableIds(store: StatementStore, ids: readonly string[], identity: { did: string }): Promise<string[]> {
  const wanted = ids.map((id) => id.trim().toLowerCase());
  for (const id of wanted) {
    if (!/^[0-9a-f]{64}$/.test(id)) {
      throw new PyvouchError('USAGE', `'${id}' is not a statement id`, { help: 'a statement id is 64 hex digits, as `pyvouch show NAME` prints it' });
    }
  }
  for (const id of wanted) {
    const found = await store.get(id);
    if (found === undefined) {
      throw new PyvouchError('USAGE', `no statement ${id} in ${store.location}`, { help: 'import the statement first, or check the id with `pyvouch show NAME`' });
    }
    if (found.statement.agent !== identity.did) {
      throw new PyvouchError('USAGE', `statement ${id} was signed by ${found.statement.agent}, not by your key ${identity.did}: only its author can retract it`, {
        help: "to stop counting someone else's statement, sign a negative review, a flag, or a distrust of its author",
      });
    }
    if (found.statement.kind === 'rotate') {
      throw new PyvouchError('USAGE', `statement ${id} is a key rotation: rotations cannot be retracted`, { help: 'rotate to a new key instead' });
    }
  }
  return wanted;
}

/** The Pythons a lock's artifacts are collected over, so a review binds to every file of the release. */
const BINDING_PYTHONS = ['3.9', '3.10', '3.11', '3.12', '3.13'];

function sha256File(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (err) {
    throw new PyvouchError('IO', `cannot read ${path}: ${(err as Error).message}`, { file: path, cause: err });
  }
}

/** The artifacts (filename + sha256) of name==version, from local files or from a lock file. */
export function releaseArtifacts(pin: Pin, opts: { file?: readonly string[]; lock?: string }): BoundArtifact[] {
  const out = new Map<string, string>();
  for (const path of opts.file ?? []) {
    const filename = basename(path);
    let parsed: { name: string; version: { toString(): string } };
    try {
      parsed = filename.endsWith('.whl') ? parseWheelFilename(filename) : parseSdistFilename(filename);
    } catch (err) {
      throw new PyvouchError('USAGE', `${path} is not a wheel or sdist file name`, { file: path, cause: err });
    }
    if (canonicalizeName(parsed.name) !== pin.name || new Version(parsed.version.toString()).toString() !== pin.version) {
      throw new PyvouchError('USAGE', `${filename} is a file of ${parsed.name} ${parsed.version.toString()}, not of ${pin.name} ${pin.version}`, { file: path });
    }
    out.set(filename, sha256File(path));
  }
  if (opts.lock !== undefined) {
    const node = lockedReleases(opts.lock, { pythons: BINDING_PYTHONS }).nodes.get(`${pin.name}==${pin.version}`);
    if (node === undefined) throw new PyvouchError('USAGE', `${opts.lock} does not lock ${pin.name}==${pin.version}`, { file: opts.lock });
    for (const a of node.artifacts) if (a.sha256 !== undefined) out.set(a.filename, a.sha256);
  }
  if (out.size === 0) {
    throw new PyvouchError('USAGE', `no artifact digests for ${pin.name}==${pin.version}: a statement binds to exact files`, {
      help: 'name the files with --file PATH, or a lock file that records their sha256 with --lock FILE',
    });
  }
  return [...out].map(([filename, sha256]) => ({ filename, sha256 })).sort((a, b) => a.filename.localeCompare(b.filename));
}

export interface FetchOptions {
  /** Fetch exactly the files this lock records, each checked against its locked sha256. */
  lock?: string;
  /** Prefer a wheel to the sdist. */
  wheel?: boolean;
}

export interface FetchedFile {
  filename: string;
  sha256: string;
  bytes: Uint8Array;
}

/**
 * The files an index lists for name==version, with the sdist and the wheel to review: a
 * pure-Python wheel, else the first wheel. `pyvouch diff`, `certify` and the web UI's diff view
 * pick from these.
 */
export function releaseFiles(listed: readonly IndexFile[], name: string, version: string): { files: IndexFile[]; sdist?: IndexFile; wheel?: IndexFile } {
  const files = listed.filter((f) => {
    const r = releaseOf(f.filename);
    return r !== undefined && r.name === name && r.version === version;
  });
  const sdist = files.find((f) => releaseOf(f.filename)?.kind === 'sdist');
  const wheels = files.filter((f) => releaseOf(f.filename)?.kind === 'wheel');
  const wheel = wheels.find((f) => f.filename.endsWith('-none-any.whl')) ?? wheels[0];
  return { files, ...(sdist === undefined ? {} : { sdist }), ...(wheel === undefined ? {} : { wheel }) };
}

/**
 * The files of name==version to review: with `lock`, exactly the locked files (each checked
 * against its locked sha256); otherwise the sdist (or, with `wheel` or without an sdist, a wheel).
 */
export async function fetchRelease(index: PackageIndex, name: string, version: string, opts: FetchOptions): Promise<FetchedFile[]> {
  const page = await index.project(name);
  if (page === undefined) throw new PyvouchError('USAGE', `the index ${index.url} has no project '${name}'`, { help: 'check the name, or pass --index' });
  const { files, sdist, wheel } = releaseFiles(page.files, name, version);
  let chosen: { file: IndexFile; sha256?: string }[];
  if (opts.lock !== undefined) {
    const node = lockedReleases(opts.lock).nodes.get(`${name}==${version}`);
    if (node === undefined) throw new PyvouchError('USAGE', `${opts.lock} does not lock ${name}==${version}`, { file: opts.lock });
    chosen = [];
    for (const a of node.artifacts) {
      if (a.sha256 === undefined) throw new PyvouchError('DIGEST_MISMATCH', `${opts.lock} records no sha256 for ${a.filename}: its bytes cannot be checked`, { file: opts.lock, help: 'lock with hashes' });
      const file = files.find((f) => f.filename === a.filename);
      if (file === undefined) throw new PyvouchError('USAGE', `the index ${index.url} does not serve the locked file ${a.filename}`, { help: 'pass the index the lock was made from with --index' });
      chosen.push({ file, sha256: a.sha256 });
    }
  } else {
    const pick = opts.wheel === true ? (wheel ?? sdist) : (sdist ?? wheel);
    if (pick === undefined) throw new PyvouchError('USAGE', `the index ${index.url} lists no wheel or sdist of ${name} ${version}`, { help: 'check the version, or pass --index' });
    chosen = [{ file: pick }];
  }
  const out: FetchedFile[] = [];
  for (const { file, sha256 } of chosen) {
    const bytes = await index.download(file);
    const digest = sha256Of(bytes);
    if (sha256 !== undefined && digest !== sha256.toLowerCase()) {
      throw new PyvouchError('DIGEST_MISMATCH', `${file.filename} from ${index.url} has sha256 ${digest}, but the lock records ${sha256}`, { help: 'do not review or install it: the index serves other bytes than the lock names' });
    }
    out.push({ filename: file.filename, sha256: digest, bytes });
  }
  return out;
}

function pinOf(name: string, version: string): Pin {
  return { name: canonicalizeName(name), version: new Version(version).toString() };
}

/** Diffs two releases from one index; returns the diff and the files it was made from. */
export async function diffReleases(
  index: PackageIndex,
  name: string,
  oldVersion: string,
  newVersion: string,
  opts: FetchOptions & { patches?: boolean },
): Promise<{ diff: ReleaseDiff; from: FetchedFile; to: FetchedFile }> {
  const a = pinOf(name, oldVersion);
  const b = pinOf(name, newVersion);
  const to = (await fetchRelease(index, b.name, b.version, opts))[0]!;
  // The same kind on both sides: an sdist diffed against a wheel would be all noise.
  const wantWheel = to.filename.endsWith('.whl');
  const from = (await fetchRelease(index, a.name, a.version, { wheel: wantWheel }))[0]!;
  const diff = diffReleaseTrees(await readReleaseTree(from.bytes, from.filename), await readReleaseTree(to.bytes, to.filename), { patches: opts.patches === true });
  diff.from.sha256 = from.sha256;
  diff.to.sha256 = to.sha256;
  return { diff, from, to };
}

export interface CertifyInput extends FetchOptions {
  index: PackageIndex;
  pin: Pin;
  /** The audit covers the diff from this version (reviewed or baselined already). */
  from?: string;
  criteria: readonly string[];
  comment?: string;
}

/**
 * The (delta) audit of a release, bound to the files that were diffed or fetched: what to sign,
 * and one line saying what was audited. Sign it with `signReview`.
 */
export async function certify(input: CertifyInput): Promise<{ statement: SignReviewInput['statement']; what: string }> {
  const { pin, index } = input;
  const fetch: FetchOptions = { ...(input.lock === undefined ? {} : { lock: input.lock }), ...(input.wheel === undefined ? {} : { wheel: input.wheel }) };
  let artifacts: BoundArtifact[];
  let what: string;
  if (input.from !== undefined) {
    const { diff, from, to } = await diffReleases(index, pin.name, input.from, pin.version, fetch);
    artifacts = [{ filename: to.filename, sha256: to.sha256 }];
    what = `delta audit from ${from.filename} (sha256 ${from.sha256}): ${diff.files.length} files, +${diff.added} -${diff.removed} lines`;
  } else {
    const files = await fetchRelease(index, pin.name, pin.version, fetch);
    artifacts = files.map((f) => ({ filename: f.filename, sha256: f.sha256 }));
    what = `audit of ${files.map((f) => f.filename).join(', ')}`;
  }
  return {
    what,
    statement: {
      kind: 'assess',
      package: pin,
      artifacts,
      criteria: [...input.criteria],
      ...(input.from === undefined ? {} : { deltaFrom: new Version(input.from).toString() }),
      description: input.comment === undefined ? what : `${input.comment} (${what})`,
    },
  };
}
