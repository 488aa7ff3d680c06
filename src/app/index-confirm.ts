// Confirms, before `check` evaluates, that each index party's index really serves the locked files:
// the index is trusted only for what it serves (PEP 503/691 project pages, by filename and sha256),
// never for what a lock file says came from it. Offline, unreachable or unlisted = no index credit.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Graph, GraphNode } from '../graph/graph.js';
import { isPyvouchError } from '../errors.js';
import { canonicalizeName } from '../pep/name.js';
import { parseSimpleJson } from '../simple/simple-json.js';
import type { PackageIndex, ProjectPage } from '../simple/types.js';
import type { IndexCheck } from '../trust/evaluate.js';
import { normalizeIndexUrl, type IndexParty, type Policy } from '../trust/policy.js';

export interface ConfirmOptions {
  /** Do not consult any index: no index party gives credit, and the report says why. */
  offline?: boolean;
  /**
   * A local snapshot of the index's project pages: `DIR/<canonical-name>/index.json` (PEP 691
   * JSON), as a static mirror of `/simple/` lays them out. Consulted instead of the network.
   */
  mirror?: string;
  /** The on-disk ETag cache of the HTTP client. */
  cacheDir?: string;
  /** Project pages fetched at once (default 8). */
  concurrency?: number;
  /** How an index URL is opened (tests; default openIndex with the cache). */
  open?: (url: string) => PackageIndex;
}

/**
 * How a server with one upstream confirms index parties (the web UI's graph check): the party whose
 * index is that upstream is confirmed against the server's own pages of it; any other index is not
 * asked from the server, and gives no credit, as the gate gives none for a file it did not get from
 * that index. So the UI's verdicts are the gate's, and posting a lock makes the server fetch nothing
 * but its upstream's pages.
 */
export function upstreamOpener(
  upstream: { url: string; page: (canonical: string) => Promise<ProjectPage | undefined> } | undefined,
): (url: string) => PackageIndex {
  const upstreamKey = upstream === undefined ? undefined : normalizeIndexUrl(upstream.url);
  const notAsked = (): never => {
    throw new NotAsked('this server confirms index files only against its own upstream');
  };
  return (url) => {
    const project =
      upstream !== undefined && normalizeIndexUrl(url) === upstreamKey
        ? (name: string) => upstream.page(canonicalizeName(name))
        : async (): Promise<ProjectPage | undefined> =>
            Promise.reject(new NotAsked(upstream === undefined ? 'this server has no upstream to confirm against' : `this server asks only its upstream ${upstream.url}`));
    return { url, project, coreMetadata: notAsked, download: notAsked };
  };
}

/** The confirmation, for the evaluation, and what the report should say about it. */
export interface IndexConfirmation {
  check: IndexCheck;
  /** One line per index consulted: offline, unreachable, mirror used, pages failed. */
  notes: string[];
}

type PageResult = { page: ProjectPage | undefined } | { error: string } | { notAsked: string };

/** Thrown by an opener for an index it will not ask (upstreamOpener): no credit, and not "unreachable". */
class NotAsked extends Error {}

/** An IndexCheck that gives no credit: `--offline`. */
export function offlineConfirmation(policy: Policy): IndexConfirmation {
  const parties = policy.parties.filter((p): p is IndexParty => p.kind === 'index');
  return {
    check: { refusal: (_n, _a, party) => `pyvouch ran offline (--offline), so ${party.index} was not asked whether it serves these files` },
    notes: parties.map((p) => `${p.name}: offline (--offline): ${p.index} was not consulted, so it vouches for nothing`),
  };
}

function mirrorIndex(dir: string, url: string): PackageIndex {
  const root = resolve(dir);
  const unsupported = (): never => {
    throw new Error('a mirror of project pages serves no files');
  };
  return {
    url,
    project(name: string): Promise<ProjectPage | undefined> {
      const canonical = canonicalizeName(name);
      const file = join(root, canonical, 'index.json');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(undefined);
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      return Promise.resolve(parseSimpleJson(text, pathToFileURL(file).href, canonical));
    },
    coreMetadata: unsupported,
    download: unsupported,
  };
}

function describeError(err: unknown): string {
  if (isPyvouchError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs `tasks` with at most `limit` at once. */
async function pool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
}

/** The index a locked file is to be confirmed against for `party`, or undefined when it is another's. */
function indexFor(node: GraphNode, filename: string, party: IndexParty): boolean {
  const a = node.artifacts.find((x) => x.filename === filename);
  const from = a?.index ?? node.source?.location;
  return from === undefined || normalizeIndexUrl(from) === party.indexKey;
}

async function defaultOpener(cacheDir: string | undefined): Promise<(url: string) => PackageIndex> {
  const { openIndex } = await import('../simple/open.js');
  return (url) => openIndex(url, cacheDir === undefined ? {} : { cacheDir });
}

/**
 * Fetches the project page of every node that an index party could vouch for, from that party's
 * index (or the mirror), and answers which locked files the page lists with the locked sha256.
 */
export async function confirmIndexes(graph: Graph, policy: Policy, options: ConfirmOptions = {}): Promise<IndexConfirmation> {
  if (options.offline === true) return offlineConfirmation(policy);
  const parties = policy.parties.filter((p): p is IndexParty => p.kind === 'index');
  const notes: string[] = [];
  const pages = new Map<string, PageResult>(); // `${indexKey}\n${name}`
  const tasks: (() => Promise<void>)[] = [];
  // The index client (and the archive and Sigstore readers it brings) loads only when an index is asked.
  const open =
    options.mirror !== undefined || parties.length === 0
      ? undefined
      : (options.open ?? (await defaultOpener(options.cacheDir)));
  for (const party of parties) {
    const index = open === undefined ? mirrorIndex(options.mirror!, party.index) : open(party.index);
    if (options.mirror !== undefined) notes.push(`${party.name}: confirmed against the local snapshot ${options.mirror} of ${party.index}, not the index itself`);
    for (const node of graph.nodes) {
      if (node.artifacts.length === 0 || !node.artifacts.every((a) => indexFor(node, a.filename, party))) continue;
      const key = `${party.indexKey}\n${node.name}`;
      if (pages.has(key)) continue;
      pages.set(key, { page: undefined });
      tasks.push(async () => {
        try {
          pages.set(key, { page: await index.project(node.name) });
        } catch (err) {
          pages.set(key, err instanceof NotAsked ? { notAsked: err.message } : { error: describeError(err) });
        }
      });
    }
  }
  await pool(tasks, options.concurrency ?? 8);
  for (const party of parties) {
    let failed = 0;
    let first: string | undefined;
    let notAsked: string | undefined;
    for (const [key, r] of pages) {
      if (!key.startsWith(`${party.indexKey}\n`)) continue;
      if ('notAsked' in r) notAsked ??= r.notAsked;
      if (!('error' in r)) continue;
      failed++;
      first ??= r.error;
    }
    if (notAsked !== undefined) notes.push(`${party.name}: ${party.index} was not asked (${notAsked}): no index credit`);
    if (failed > 0) notes.push(`${party.name}: ${party.index} could not be reached for ${failed} project page${failed === 1 ? '' : 's'} (${first}): no index credit for ${failed === 1 ? 'it' : 'them'}`);
  }
  return {
    notes,
    check: {
      refusal(node, artifact, party) {
        const r = pages.get(`${party.indexKey}\n${node.name}`);
        if (r === undefined) return `${party.index} was not asked about ${node.name}`;
        if ('notAsked' in r) return `${party.index} was not asked whether it serves ${artifact.filename}: ${r.notAsked}`;
        if ('error' in r) return `${party.index} could not be reached to confirm ${artifact.filename} (${r.error})`;
        if (r.page === undefined) return `${party.index} does not list the project ${node.name}`;
        // The sha256 is what binds: a requirements file records no filename, only hashes.
        const sha = artifact.sha256?.toLowerCase();
        if (sha !== undefined && r.page.files.some((f) => f.hashes.sha256 === sha && (f.filename === artifact.filename || artifact.kind === 'other'))) return undefined;
        const listed = r.page.files.find((f) => f.filename === artifact.filename);
        if (listed === undefined) return `${party.index} does not serve ${artifact.filename}${artifact.kind === 'other' ? ' (no file of the project has its sha256)' : ''}`;
        if (listed.hashes.sha256 === undefined) return `${party.index} lists ${artifact.filename} without a sha256`;
        return `${party.index} serves ${artifact.filename} with another sha256 than the lock's`;
      },
    },
  };
}
