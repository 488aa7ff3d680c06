// Publishing a statement feed as a TUF repository (TUF spec 1.0, consistent snapshots): root,
// targets, snapshot and timestamp metadata built with @tufjs/models and signed with Ed25519 keys
// kept as pyvouch key files. Targets are batches of statement envelopes plus an index listing them.
//
// DIR/pyvouch-feed.json   the publisher's settings: roles, key files, thresholds, expiries
// DIR/keys/ROLE-N.json    generated keys (0600; never published)
// DIR/published.ids       ids of the statements already published (deduplication)
// DIR/repository/         what to serve: metadata/ (N.root.json, root.json, N.targets.json,
//                         N.snapshot.json, timestamp.json) and targets/ (hash-prefixed files)
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { Role } from '@tufjs/models/dist/role.js';
import { Metadata, MetadataKind, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp, type Key } from '@tufjs/models';
import { PyvouchError } from '../errors.js';
import { generateIdentity } from '../attest/keys.js';
import { readKeyFile, writeKeyFile } from '../attest/keyfile.js';
import { statementId } from '../attest/dsse.js';
import { verifyStatementEnvelope } from '../attest/verify.js';
import type { Envelope } from '../attest/types.js';
import {
  BATCH_DIR,
  INDEX_TARGET,
  SPEC_VERSION,
  TOP_LEVEL_ROLES,
  expiresAt,
  metadataBytes,
  rootFingerprint,
  sha256Hex,
  signMetadata,
  tufKeyOfPrivate,
  type RoleName,
} from './tuf.js';
import { encodeIndex, parseIndex, type FeedIndex } from './index-target.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export const REPOSITORY_CONFIG = 'pyvouch-feed.json';
const CONFIG_FORMAT = 'pyvouch-feed-repository';
/** Envelopes per batch target: a follower verifies and stores a batch in one go. */
export const DEFAULT_BATCH_SIZE = 10_000;

export const DEFAULT_EXPIRY: Record<RoleName, number> = {
  root: 365 * 86400,
  targets: 90 * 86400,
  snapshot: 7 * 86400,
  timestamp: 86400,
};

export interface RepositoryConfig {
  format: typeof CONFIG_FORMAT;
  version: 1;
  name: string;
  description: string;
  /** Seconds each role's metadata stays valid after signing. */
  expiry: Record<RoleName, number>;
  /** Key files (relative to DIR or absolute) that sign each role, and how many must. */
  roles: Record<RoleName, { keys: string[]; threshold: number }>;
  batchSize: number;
}

export interface InitOptions {
  name?: string;
  description?: string;
  /** Key files per role; a role without any gets `threshold` new keys in DIR/keys. */
  keys?: Partial<Record<RoleName, string[]>>;
  thresholds?: Partial<Record<RoleName, number>>;
  expiry?: Partial<Record<RoleName, number>>;
  batchSize?: number;
  now?: Date;
}

export interface RepositoryVersions {
  root: number;
  targets: number;
  snapshot: number;
  timestamp: number;
}

export interface InitResult {
  dir: string;
  rootFile: string;
  rootFingerprint: string;
  generatedKeys: string[];
  versions: RepositoryVersions;
}

export function metadataDir(dir: string): string {
  return join(dir, 'repository', 'metadata');
}
export function targetsDir(dir: string): string {
  return join(dir, 'repository', 'targets');
}

/** Creates the repository: keys, root v1 and an empty index, targets, snapshot and timestamp. */
export async function initRepository(dirArg: string, options: InitOptions = {}): Promise<InitResult> {
  const dir = resolve(dirArg);
  const now = options.now ?? new Date();
  if (existsSync(join(dir, REPOSITORY_CONFIG)) || existsSync(join(dir, 'repository'))) {
    throw new PyvouchError('FEED_EXISTS', `${dir} already holds a feed repository`, {
      file: dir,
      help: 'use `pyvouch feed publish` to add statements to it, or choose an empty directory',
    });
  }
  await mkdir(dir, { recursive: true });
  const name = options.name ?? basename(dir);
  const generatedKeys: string[] = [];
  const roles = {} as RepositoryConfig['roles'];
  for (const role of TOP_LEVEL_ROLES) {
    const given = (options.keys?.[role] ?? []).map((p) => resolve(p));
    const threshold = options.thresholds?.[role] ?? 1;
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new PyvouchError('USAGE', `--threshold ${role}=${threshold}: expected a whole number of at least 1`);
    }
    const keys = [...given];
    while (keys.length < threshold) {
      const path = await generateKey(dir, role, name);
      generatedKeys.push(path);
      keys.push(path);
    }
    roles[role] = { keys: keys.map((k) => relativeToDir(dir, k)), threshold };
  }
  const config: RepositoryConfig = {
    format: CONFIG_FORMAT,
    version: 1,
    name,
    description: options.description ?? '',
    expiry: { ...DEFAULT_EXPIRY, ...options.expiry },
    roles,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
  };
  const keys = await loadRoleKeys(dir, config);
  const root = new Metadata(
    new Root({ version: 1, specVersion: SPEC_VERSION, expires: expiresAt(now, config.expiry.root), consistentSnapshot: true }),
  );
  for (const role of TOP_LEVEL_ROLES) setRoleKeys(root.signed, role, keys[role], config.roles[role].threshold);
  for (const key of keys.root) signMetadata(root, key);

  await mkdir(metadataDir(dir), { recursive: true });
  await mkdir(join(targetsDir(dir), BATCH_DIR), { recursive: true });
  await writeFile(join(dir, 'published.ids'), '');
  await writeJsonAtomic(join(dir, REPOSITORY_CONFIG), config);
  await writeRoot(dir, root);
  const versions = await signRelease(dir, config, keys, {
    root,
    targets: undefined,
    snapshot: undefined,
    timestamp: undefined,
    index: { format: 'pyvouch-feed-index', version: 1, name: config.name, description: config.description, statements: 0, batches: [] },
    newFiles: [],
    now,
  });
  return { dir, rootFile: join(metadataDir(dir), '1.root.json'), rootFingerprint: rootFingerprint(root.signed), generatedKeys, versions };
}

export interface PublishOptions {
  now?: Date;
}

export interface PublishResult {
  published: number;
  duplicates: number;
  /** Envelopes refused before publishing: index into the input and why. */
  rejected: { index: number; error: PyvouchError }[];
  versions: RepositoryVersions;
  statements: number;
}

/**
 * Adds statements (retractions are statements too) as new batch targets, and re-signs targets,
 * snapshot and timestamp with the next versions. With no envelopes it only re-signs: what a
 * publisher runs on a schedule so followers never see expired metadata.
 */
export async function publishToRepository(dirArg: string, envelopes: readonly unknown[], options: PublishOptions = {}): Promise<PublishResult> {
  const dir = resolve(dirArg);
  const now = options.now ?? new Date();
  const config = await loadConfig(dir);
  const state = await loadRepositoryState(dir);
  const keys = await loadRoleKeys(dir, config);
  checkKeysMatchRoot(state.root.signed, keys);

  const publishedIds = new Set((await readFile(join(dir, 'published.ids'), 'utf8')).split('\n').filter((l) => l !== ''));
  const rejected: PublishResult['rejected'] = [];
  const fresh: Envelope[] = [];
  let duplicates = 0;
  envelopes.forEach((value, index) => {
    try {
      // Publish only what a follower will accept: the same check it runs on every envelope.
      const { envelope } = verifyStatementEnvelope(value, { now });
      const id = statementId(envelope);
      if (publishedIds.has(id)) {
        duplicates++;
        return;
      }
      publishedIds.add(id);
      fresh.push(envelope);
    } catch (err) {
      if (!(err instanceof PyvouchError)) throw err;
      rejected.push({ index, error: err });
    }
  });

  const index: FeedIndex = { ...state.index, batches: [...state.index.batches] };
  const newFiles: NewTarget[] = [];
  for (let start = 0; start < fresh.length; start += config.batchSize) {
    const chunk = fresh.slice(start, start + config.batchSize);
    const number = index.batches.length + 1;
    const path = `${BATCH_DIR}/${String(number).padStart(6, '0')}.jsonl`;
    const bytes = Buffer.from(chunk.map((e) => JSON.stringify(e)).join('\n') + '\n');
    newFiles.push({ path, bytes });
    index.batches.push({ path, count: chunk.length });
  }
  index.statements = state.index.statements + fresh.length;
  const versions = await signRelease(dir, config, keys, { ...state, index, newFiles, now });
  if (fresh.length > 0) await appendFile(join(dir, 'published.ids'), fresh.map((e) => statementId(e)).join('\n') + '\n');
  return { published: fresh.length, duplicates, rejected, versions, statements: index.statements };
}

export interface RotateOptions {
  /** Key files for the role from now on; none means one new generated key. */
  keys?: string[];
  threshold?: number;
  now?: Date;
}

/**
 * Replaces a role's keys. The root changes (it lists every role's keys), so a new `N+1.root.json`
 * is signed by a threshold of the old root keys and of the new ones (spec §5.3.4), then targets,
 * snapshot and timestamp are re-signed so followers move to the new keys in one sync.
 */
export async function rotateRoleKeys(dirArg: string, role: RoleName, options: RotateOptions = {}): Promise<{ versions: RepositoryVersions; generatedKeys: string[]; rootFile: string }> {
  const dir = resolve(dirArg);
  const now = options.now ?? new Date();
  const config = await loadConfig(dir);
  const state = await loadRepositoryState(dir);
  const oldKeys = await loadRoleKeys(dir, config);
  checkKeysMatchRoot(state.root.signed, oldKeys);

  const generatedKeys: string[] = [];
  const paths = (options.keys ?? []).map((p) => resolve(p));
  const threshold = options.threshold ?? Math.min(config.roles[role].threshold, Math.max(paths.length, 1));
  while (paths.length < threshold) {
    const path = await generateKey(dir, role, config.name);
    generatedKeys.push(path);
    paths.push(path);
  }
  const newConfig: RepositoryConfig = { ...config, roles: { ...config.roles, [role]: { keys: paths.map((p) => relativeToDir(dir, p)), threshold } } };
  const newKeys = await loadRoleKeys(dir, newConfig);

  const old = state.root.signed;
  const root = new Metadata(
    new Root({ version: old.version + 1, specVersion: SPEC_VERSION, expires: expiresAt(now, config.expiry.root), consistentSnapshot: true }),
  );
  for (const r of TOP_LEVEL_ROLES) setRoleKeys(root.signed, r, newKeys[r], newConfig.roles[r].threshold);
  const signers = new Map<string, KeyObject>();
  for (const key of [...oldKeys.root, ...newKeys.root]) signers.set(tufKeyOfPrivate(key).keyID, key);
  for (const key of signers.values()) signMetadata(root, key);

  await writeRoot(dir, root);
  await writeJsonAtomic(join(dir, REPOSITORY_CONFIG), newConfig);
  const versions = await signRelease(dir, newConfig, newKeys, { ...state, root, newFiles: [], now });
  return { versions, generatedKeys, rootFile: join(metadataDir(dir), `${root.signed.version}.root.json`) };
}

// ---------------------------------------------------------------------------------------------

interface NewTarget {
  path: string;
  bytes: Buffer;
}

interface ReleaseInput {
  root: Metadata<Root>;
  targets: Metadata<Targets> | undefined;
  snapshot: Metadata<Snapshot> | undefined;
  timestamp: Metadata<Timestamp> | undefined;
  index: FeedIndex;
  newFiles: NewTarget[];
  now: Date;
}

/** Writes new targets, then targets, snapshot and timestamp metadata (timestamp last: atomically). */
async function signRelease(dir: string, config: RepositoryConfig, keys: Record<RoleName, KeyObject[]>, input: ReleaseInput): Promise<RepositoryVersions> {
  const { now } = input;
  const targetFiles: Record<string, TargetFile> = { ...(input.targets?.signed.targets ?? {}) };
  const indexBytes = encodeIndex(input.index);
  for (const file of [...input.newFiles, { path: INDEX_TARGET, bytes: indexBytes }]) {
    const hash = sha256Hex(file.bytes);
    const target = new TargetFile({ path: file.path, length: file.bytes.length, hashes: { sha256: hash } });
    targetFiles[file.path] = target;
    const onDisk = join(targetsDir(dir), dirname(file.path), `${hash}.${basename(file.path)}`);
    await mkdir(dirname(onDisk), { recursive: true });
    await writeFile(onDisk, file.bytes);
  }
  const targets = new Metadata(
    new Targets({
      version: (input.targets?.signed.version ?? 0) + 1,
      specVersion: SPEC_VERSION,
      expires: expiresAt(now, config.expiry.targets),
      targets: targetFiles,
    }),
  );
  for (const key of keys.targets) signMetadata(targets, key);
  const targetsBytes = metadataBytes(targets);
  await writeFile(join(metadataDir(dir), `${targets.signed.version}.targets.json`), targetsBytes);

  const snapshot = new Metadata(
    new Snapshot({
      version: (input.snapshot?.signed.version ?? 0) + 1,
      specVersion: SPEC_VERSION,
      expires: expiresAt(now, config.expiry.snapshot),
      meta: {
        'targets.json': new MetaFile({ version: targets.signed.version, length: targetsBytes.length, hashes: { sha256: sha256Hex(targetsBytes) } }),
      },
    }),
  );
  for (const key of keys.snapshot) signMetadata(snapshot, key);
  const snapshotBytes = metadataBytes(snapshot);
  await writeFile(join(metadataDir(dir), `${snapshot.signed.version}.snapshot.json`), snapshotBytes);

  const timestamp = new Metadata(
    new Timestamp({
      version: (input.timestamp?.signed.version ?? 0) + 1,
      specVersion: SPEC_VERSION,
      expires: expiresAt(now, config.expiry.timestamp),
      snapshotMeta: new MetaFile({ version: snapshot.signed.version, length: snapshotBytes.length, hashes: { sha256: sha256Hex(snapshotBytes) } }),
    }),
  );
  for (const key of keys.timestamp) signMetadata(timestamp, key);
  await writeFileAtomic(join(metadataDir(dir), 'timestamp.json'), metadataBytes(timestamp));
  return { root: input.root.signed.version, targets: targets.signed.version, snapshot: snapshot.signed.version, timestamp: timestamp.signed.version };
}

export interface RepositoryState {
  root: Metadata<Root>;
  targets: Metadata<Targets>;
  snapshot: Metadata<Snapshot>;
  timestamp: Metadata<Timestamp>;
  index: FeedIndex;
}

/** The repository's current metadata, read back from what it serves. */
export async function loadRepositoryState(dir: string): Promise<RepositoryState> {
  const meta = metadataDir(dir);
  const read = async (file: string): Promise<Record<string, unknown>> => {
    try {
      return JSON.parse(await readFile(join(meta, file), 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new PyvouchError('FEED_INVALID', `cannot read ${join(meta, file)}: ${(err as Error).message}`, { file: join(meta, file), cause: err });
    }
  };
  const root = Metadata.fromJSON(MetadataKind.Root, (await read('root.json')) as never);
  const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, (await read('timestamp.json')) as never);
  const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, (await read(`${timestamp.signed.snapshotMeta.version}.snapshot.json`)) as never);
  const targetsVersion = snapshot.signed.meta['targets.json']?.version;
  const targets = Metadata.fromJSON(MetadataKind.Targets, (await read(`${targetsVersion}.targets.json`)) as never);
  const indexInfo = targets.signed.targets[INDEX_TARGET];
  if (indexInfo === undefined) throw new PyvouchError('FEED_INVALID', `targets.json lists no ${INDEX_TARGET}`, { file: meta });
  const indexFile = join(targetsDir(dir), `${indexInfo.hashes['sha256']}.${INDEX_TARGET}`);
  const index = parseIndex(await readFile(indexFile), indexFile);
  return { root, targets, snapshot, timestamp, index };
}

export async function loadConfig(dir: string): Promise<RepositoryConfig> {
  const file = join(dir, REPOSITORY_CONFIG);
  let data: RepositoryConfig;
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as RepositoryConfig;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PyvouchError('FEED_NOT_FOUND', `${dir} is not a feed repository (no ${REPOSITORY_CONFIG})`, {
        file,
        help: 'create one with `pyvouch feed init DIR`',
      });
    }
    throw new PyvouchError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`, { file, cause: err });
  }
  if (data.format !== CONFIG_FORMAT || data.version !== 1) {
    throw new PyvouchError('CONFIG_INVALID', `${file}: expected a "${CONFIG_FORMAT}" version 1 file`, { file });
  }
  return data;
}

async function loadRoleKeys(dir: string, config: RepositoryConfig): Promise<Record<RoleName, KeyObject[]>> {
  const out = {} as Record<RoleName, KeyObject[]>;
  for (const role of TOP_LEVEL_ROLES) {
    out[role] = [];
    for (const path of config.roles[role].keys) out[role].push((await readKeyFile(resolve(dir, path))).privateKey);
  }
  return out;
}

/** The key files must be the keys root lists: signing with others would only make bad metadata. */
function checkKeysMatchRoot(root: Root, keys: Record<RoleName, KeyObject[]>): void {
  for (const role of TOP_LEVEL_ROLES) {
    const listed = new Set(root.roles[role]?.keyIDs ?? []);
    for (const key of keys[role]) {
      const id = tufKeyOfPrivate(key).keyID;
      if (!listed.has(id)) {
        throw new PyvouchError('KEY_INVALID', `the ${role} key ${id.slice(0, 16)}… is not one root.json lists for ${role}`, {
          help: `restore the key files named in ${REPOSITORY_CONFIG}, or rotate with \`pyvouch feed rotate --role ${role}\``,
        });
      }
    }
  }
}

function setRoleKeys(root: Root, role: RoleName, keys: KeyObject[], threshold: number): void {
  const tufKeys: Key[] = keys.map((k) => tufKeyOfPrivate(k));
  const ids = [...new Set(tufKeys.map((k) => k.keyID))];
  if (ids.length < threshold) {
    throw new PyvouchError('USAGE', `the ${role} role has threshold ${threshold} but only ${ids.length} distinct key${ids.length === 1 ? '' : 's'}`, {
      help: `give ${role} more keys (--key ${role}=FILE) or lower its threshold`,
    });
  }
  root.roles[role] = new Role({ keyIDs: ids, threshold });
  for (const key of tufKeys) root.keys[key.keyID] = key;
}

async function generateKey(dir: string, role: RoleName, feedName: string): Promise<string> {
  const existing = existsSync(join(dir, 'keys')) ? await readdir(join(dir, 'keys')) : [];
  let n = 1;
  while (existing.includes(`${role}-${n}.json`)) n++;
  return writeKeyFile(dir, generateIdentity({ name: `${feedName} feed ${role} key ${n}` }), { keyName: `${role}-${n}` });
}

async function writeRoot(dir: string, root: Metadata<Root>): Promise<void> {
  const bytes = metadataBytes(root);
  await writeFile(join(metadataDir(dir), `${root.signed.version}.root.json`), bytes);
  await writeFileAtomic(join(metadataDir(dir), 'root.json'), bytes);
}

function relativeToDir(dir: string, path: string): string {
  return path.startsWith(dir + '/') ? path.slice(dir.length + 1) : path;
}


async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, Buffer.from(JSON.stringify(value, null, 2) + '\n'));
}
