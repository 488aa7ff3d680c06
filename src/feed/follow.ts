// Following statement feeds: pin a feed's root, then update it with tuf-js's Updater (TUF client
// workflow §5) and import the statements of new batches into the store in one transaction. Every
// envelope is verified as `pyvouch import` verifies it; a feed's own trust statements are kept
// aside as suggestions, never imported as ours, and its criteria count only as mapped.
//
// <config>/feeds/NAME/feed.json             what is followed, how, and the last sync
// <config>/feeds/NAME/metadata/             the trusted TUF metadata (tuf-js keeps it current)
// <config>/feeds/NAME/suggested-trust.jsonl the feed's trust statements, for the user to review
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Metadata, MetadataKind, type Root, type TargetFile } from '@tufjs/models';
import { Updater, type Config } from 'tuf-js';
import { PyvouchError } from '../errors.js';
import { verifyStatementEnvelope } from '../attest/verify.js';
import type { Statement, StoredStatement } from '../attest/types.js';
import type { StatementStore } from '../store/store.js';
import { BUILTIN_CRITERIA } from '../trust/policy.js';
import { FeedFetcher } from './fetcher.js';
import { feedErrorFrom } from './errors.js';
import { parseIndex } from './index-target.js';
import { INDEX_TARGET, checkRootKeys, rootFingerprint } from './tuf.js';
import { STATE_FORMAT, checkFeedName, feedDir, readState, type FeedVersions, type FollowedFeed } from './state.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export { checkFeedName, listFeeds, readState, type FeedVersions, type FollowedFeed } from './state.js';

export interface FollowOptions {
  name: string;
  /** URL or directory: the repository, or a publisher's directory holding repository/. */
  location: string;
  /** The root metadata to pin (bytes of a root.json the user obtained out of band). */
  root: Uint8Array;
  rootFile: string;
  criteriaMap?: Record<string, string>;
  /** When set (from the registry), the root must have exactly this fingerprint. */
  expectFingerprint?: string;
  registry?: string;
  now?: Date;
}

/** Pins a root for a feed; nothing is fetched until `syncFeed`. */
export async function followFeed(configDir: string, options: FollowOptions): Promise<FollowedFeed> {
  const name = checkFeedName(options.name);
  const dir = feedDir(configDir, name);
  if (existsSync(join(dir, 'feed.json'))) {
    throw new PyvouchError('FEED_EXISTS', `a feed named '${name}' is followed already`, {
      help: `choose another --name, or stop following it first (\`pyvouch feed unfollow ${name}\`)`,
    });
  }
  const root = parseTrustedRoot(options.root, options.rootFile);
  const fingerprint = rootFingerprint(root.signed);
  if (options.expectFingerprint !== undefined && options.expectFingerprint !== fingerprint) {
    throw new PyvouchError('FEED_INVALID', `the root of '${name}' has fingerprint ${fingerprint}, but the registry pins ${options.expectFingerprint}`, {
      file: options.rootFile,
      help: 'the root offered is not the one the registry names: do not follow this feed until its publisher confirms the key',
    });
  }
  for (const [theirs, ours] of Object.entries(options.criteriaMap ?? {})) {
    if (theirs === '' || ours === '') throw new PyvouchError('USAGE', `--criteria-map ${theirs}=${ours}: expected THEIRS=OURS`);
  }
  const state: FollowedFeed = {
    format: STATE_FORMAT,
    version: 1,
    name,
    location: normaliseLocation(options.location),
    criteriaMap: { ...options.criteriaMap },
    rootFingerprint: fingerprint,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    followedAt: (options.now ?? new Date()).toISOString(),
    batches: {},
    counts: { statements: 0, imported: 0, duplicates: 0, rejected: 0, suggestions: 0 },
  };
  await mkdir(join(dir, 'metadata'), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'metadata', 'root.json'), options.root);
  await writeState(configDir, state);
  return state;
}

export async function unfollowFeed(configDir: string, name: string): Promise<void> {
  await readState(configDir, name);
  await rm(feedDir(configDir, name), { recursive: true, force: true });
}

/** Reads and checks a root given out of band: well-formed, self-signed by its own threshold. */
export function parseTrustedRoot(bytes: Uint8Array, file: string): Metadata<Root> {
  let root: Metadata<Root>;
  try {
    root = Metadata.fromJSON(MetadataKind.Root, JSON.parse(Buffer.from(bytes).toString('utf8')) as never);
  } catch (err) {
    throw new PyvouchError('FEED_INVALID', `${file} is not TUF root metadata: ${(err as Error).message}`, {
      file,
      cause: err,
      help: "pass the feed's root.json as its publisher gave it (`pyvouch feed init` prints where it is)",
    });
  }
  checkRootKeys(root.signed, file);
  try {
    root.verifyDelegate(MetadataKind.Root, root);
  } catch (err) {
    throw new PyvouchError('FEED_THRESHOLD', `${file} is not signed by the threshold of its own root keys: ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
  return root;
}

/**
 * Fetches a feed's first root (`metadata/1.root.json`) for following it from the registry: it is
 * trusted only if its fingerprint is the one the registry pins (checked by followFeed).
 */
export async function fetchFirstRoot(location: string): Promise<{ bytes: Buffer; url: string }> {
  const where = normaliseLocation(location);
  const base = /^https?:\/\//.test(where) ? `${where}/` : pathToFileURL(`${where}/`).href;
  const url = new URL('metadata/1.root.json', base).href;
  try {
    return { bytes: await new FeedFetcher().downloadBytes(url, 512_000), url };
  } catch (err) {
    if (err instanceof PyvouchError) throw err;
    throw new PyvouchError('FEED_UNREACHABLE', `cannot fetch ${url}: ${(err as Error).message}`, { file: url, cause: err });
  }
}

function normaliseLocation(location: string): string {
  if (/^https?:\/\//i.test(location)) return location.replace(/\/+$/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new PyvouchError('USAGE', `unsupported feed URL '${location}': use http(s):// or a directory`);
  }
  const dir = resolve(location);
  if (existsSync(join(dir, 'repository', 'metadata'))) return join(dir, 'repository');
  if (existsSync(join(dir, 'metadata'))) return dir;
  throw new PyvouchError('FEED_UNREACHABLE', `${dir} holds no feed (no metadata/ or repository/metadata/)`, { file: dir });
}


async function writeState(configDir: string, state: FollowedFeed): Promise<void> {
  const file = join(feedDir(configDir, state.name), 'feed.json');
  await writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n');
}


export interface SyncOptions {
  now?: Date;
  /** Size limits and such for tuf-js (tests lower them). */
  tufConfig?: Partial<Config>;
  timeoutMs?: number;
}

export interface SyncResult {
  name: string;
  versions: FeedVersions;
  /** Batches downloaded this time. */
  batches: number;
  imported: number;
  duplicates: number;
  rejected: { batch: string; line: number; error: PyvouchError }[];
  suggestions: number;
  /** True when the feed had nothing new. */
  unchanged: boolean;
}

/**
 * Updates one feed and imports what is new. Any TUF failure throws its FEED_* code before the
 * store is touched (and is recorded as the feed's lastError); the store is written once, in one
 * transaction, after every file was verified.
 */
export async function syncFeed(configDir: string, name: string, store: StatementStore, options: SyncOptions = {}): Promise<SyncResult> {
  const state = await readState(configDir, name);
  const now = options.now ?? new Date();
  try {
    const result = await syncVerified(configDir, state, store, now, options);
    return result;
  } catch (err) {
    const pe = err instanceof PyvouchError ? err : feedErrorFrom(err, { feed: name });
    await writeState(configDir, { ...state, lastError: { code: pe.code, message: pe.message, at: now.toISOString() } });
    throw pe;
  }
}

async function syncVerified(configDir: string, state: FollowedFeed, store: StatementStore, now: Date, options: SyncOptions): Promise<SyncResult> {
  const dir = feedDir(configDir, state.name);
  const base = /^https?:\/\//.test(state.location) ? `${state.location}/` : pathToFileURL(`${state.location}/`).href;
  const fetcher = new RootCheckingFetcher({ ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  const context = { feed: state.name, get lastUrl() { return fetcher.lastUrl; }, get lastError() { return fetcher.lastError; } };
  let updater: Updater;
  try {
    updater = new Updater({
      metadataDir: join(dir, 'metadata'),
      metadataBaseUrl: new URL('metadata/', base).href,
      targetBaseUrl: new URL('targets/', base).href,
      fetcher,
      config: { fetchRetries: 0, fetchRetry: 0, ...options.tufConfig },
    });
    await updater.refresh();
  } catch (err) {
    throw feedErrorFrom(err, context);
  }
  const download = async (info: TargetFile): Promise<Buffer> => {
    const hash = info.hashes['sha256'];
    if (hash === undefined) throw new PyvouchError('FEED_INVALID', `targets.json gives no sha256 for ${info.path}`, { path: `signed.targets.${info.path}` });
    const slash = info.path.lastIndexOf('/');
    const file = slash < 0 ? `${hash}.${info.path}` : `${info.path.slice(0, slash)}/${hash}.${info.path.slice(slash + 1)}`;
    const url = new URL(`targets/${file}`, base).href;
    let bytes: Buffer;
    try {
      bytes = await fetcher.downloadBytes(url, info.length);
    } catch (err) {
      if (err instanceof PyvouchError) throw err;
      throw feedErrorFrom(err, context);
    }
    try {
      await info.verify(Readable.from([bytes]));
    } catch (err) {
      throw new PyvouchError('FEED_TARGET_MISMATCH', `feed '${state.name}': ${info.path}: ${(err as Error).message}`, {
        file: url,
        cause: err,
        help: 'the file is not the one the feed signed (arbitrary-target attack, or a corrupted mirror); nothing was imported',
      });
    }
    return bytes;
  };
  const targetInfo = async (path: string): Promise<TargetFile> => {
    let info: TargetFile | undefined;
    try {
      info = await updater.getTargetInfo(path);
    } catch (err) {
      throw feedErrorFrom(err, context);
    }
    if (info === undefined) throw new PyvouchError('FEED_INVALID', `feed '${state.name}': targets.json does not list ${path}`, { help: 'tell the feed publisher' });
    return info;
  };

  const index = parseIndex(await download(await targetInfo(INDEX_TARGET)), `${state.name}:${INDEX_TARGET}`);
  const toImport: StoredStatement[] = [];
  const suggestions: string[] = [];
  const rejected: SyncResult['rejected'] = [];
  const batches: Record<string, string> = {};
  const receivedAt = now.toISOString();
  let downloaded = 0;
  for (const batch of index.batches) {
    const info = await targetInfo(batch.path);
    const hash = info.hashes['sha256']!;
    batches[batch.path] = hash;
    if (state.batches[batch.path] === hash) continue;
    downloaded++;
    const lines = (await download(info)).toString('utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const verified = verifyStatementEnvelope(JSON.parse(line) as unknown, { now });
        if (verified.statement.kind === 'trust') {
          suggestions.push(line);
          return;
        }
        toImport.push({ statement: asFeedStatement(verified.statement, state, receivedAt), envelope: verified.envelope });
      } catch (err) {
        const pe = err instanceof PyvouchError ? err : new PyvouchError('ENVELOPE_INVALID', `not a JSON envelope: ${(err as Error).message}`);
        rejected.push({ batch: batch.path, line: i + 1, error: pe.at({ file: `${state.name}:${batch.path}`, line: i + 1 }) });
      }
    });
  }

  const put = toImport.length === 0 ? { inserted: [], duplicates: [] } : await store.put(toImport);
  if (suggestions.length > 0) await appendFile(join(dir, 'suggested-trust.jsonl'), suggestions.join('\n') + '\n');
  const versions = await trustedVersions(join(dir, 'metadata'));
  const unchanged = downloaded === 0 && state.versions !== undefined && versions.timestamp === state.versions.timestamp;
  const { lastError: _previous, ...settled } = state;
  await writeState(configDir, {
    ...settled,
    description: index.description,
    lastSync: receivedAt,
    versions,
    batches,
    counts: {
      statements: index.statements,
      imported: state.counts.imported + put.inserted.length,
      duplicates: state.counts.duplicates + put.duplicates.length,
      rejected: state.counts.rejected + rejected.length,
      suggestions: state.counts.suggestions + suggestions.length,
    },
  });
  return {
    name: state.name,
    versions,
    batches: downloaded,
    imported: put.inserted.length,
    duplicates: put.duplicates.length,
    rejected,
    suggestions: suggestions.length,
    unchanged,
  };
}

/**
 * The statement as pyvouch keeps it from a feed: its source is the feed (set here, never read from
 * the signed content) and its criteria are ours only as the follow command mapped them.
 */
export function asFeedStatement(statement: Statement, feed: Pick<FollowedFeed, 'name' | 'criteriaMap'>, receivedAt: string): Statement {
  const mapCriterion = (c: string): string | undefined => feed.criteriaMap[c] ?? (c in BUILTIN_CRITERIA ? c : undefined);
  const criteria = [...new Set(statement.criteria.map(mapCriterion).filter((c): c is string => c !== undefined))];
  return { ...statement, criteria, source: { kind: 'feed', name: feed.name }, receivedAt };
}

async function trustedVersions(metadata: string): Promise<FeedVersions> {
  const version = async (file: string): Promise<number> => {
    try {
      const data = JSON.parse(await readFile(join(metadata, file), 'utf8')) as { signed?: { version?: unknown } };
      return typeof data.signed?.version === 'number' ? data.signed.version : 0;
    } catch {
      return 0;
    }
  };
  return { root: await version('root.json'), timestamp: await version('timestamp.json'), snapshot: await version('snapshot.json'), targets: await version('targets.json') };
}

/** Checks each new root's keys before tuf-js counts signatures with them (see checkRootKeys). */
class RootCheckingFetcher extends FeedFetcher {
  override async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const bytes = await super.downloadBytes(url, maxLength);
    if (/\/\d+\.root\.json$/.test(url)) {
      let root: Metadata<Root> | undefined;
      try {
        root = Metadata.fromJSON(MetadataKind.Root, JSON.parse(bytes.toString('utf8')) as never);
      } catch {
        root = undefined; // malformed: tuf-js refuses it with its own error
      }
      if (root !== undefined) {
        try {
          checkRootKeys(root.signed, url);
        } catch (err) {
          this.lastError = err as PyvouchError;
          throw err;
        }
      }
    }
    return bytes;
  }
}
