// Bounds on POST /api/graph and the worker that does its heavy part: the lock file is read into a
// Graph in a worker thread (graph-worker.ts) with a time and memory budget, the graph is refused
// when it is larger or deeper than any real lock file, and so is an answer too large to send.
import { Worker } from 'node:worker_threads';
import { PyvouchError, type ErrorCode } from '../errors.js';
import type { Graph, LockFormat, SelectionOptions } from '../graph/graph.js';
import { indexGraph } from '../graph/graph.js';
import { HttpError } from './respond.js';

/** Packages in one posted graph. The largest real lock files hold a few thousand. */
export const MAX_GRAPH_NODES = 5_000;
export const MAX_GRAPH_EDGES = 50_000;
/** Longest shortest path from a root; real dependency chains are a few dozen deep. */
export const MAX_GRAPH_DEPTH = 100;
/** The answer's size: beyond it, the answer is refused rather than built in memory and sent. */
export const MAX_GRAPH_RESPONSE_BYTES = 32 * 1024 * 1024;
/** A worker that runs longer, or needs more heap, is stopped and the request refused. */
export const GRAPH_WORK_TIMEOUT_MS = 30_000;
export const GRAPH_WORK_HEAP_MB = 512;

export interface GraphJob {
  lock: string;
  filename: string;
  format?: LockFormat;
  pyproject?: string;
  target: { python?: string; platform?: string; machine?: string; implementation?: string };
  selection: SelectionOptions;
}

export type GraphJobAnswer =
  | { ok: true; graph: Graph }
  | { ok: false; limit: string }
  | { ok: false; error: Record<string, unknown> };

/** Why a graph is too large or too deep to check here, or undefined when it is within bounds. */
export function graphLimitProblem(graph: Graph): string | undefined {
  if (graph.nodes.length > MAX_GRAPH_NODES) return `the lock file holds ${graph.nodes.length} packages, more than the ${MAX_GRAPH_NODES} this endpoint checks`;
  if (graph.edges.length > MAX_GRAPH_EDGES) return `the lock file holds ${graph.edges.length} dependencies, more than the ${MAX_GRAPH_EDGES} this endpoint checks`;
  // Breadth-first from the roots: each node's depth is the length of its shortest path.
  const index = indexGraph(graph);
  const depth = new Map<string, number>();
  const queue: string[] = [];
  const reach = (id: string, d: number): void => {
    if (depth.has(id)) return;
    depth.set(id, d);
    queue.push(id);
  };
  for (const r of graph.roots) reach(r, 1);
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i]!;
    const d = depth.get(cur)!;
    if (d > MAX_GRAPH_DEPTH) return `a dependency chain is more than ${MAX_GRAPH_DEPTH} packages deep (at '${cur}')`;
    for (const e of index.children(cur)) reach(e.to, d + 1);
  }
  return undefined;
}

function workerFile(): { file: URL; eval?: string } {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith('.ts')) return { file: new URL('./graph-worker.js', self) };
  // Run from source (tests, tsx): the worker needs tsx's loader, which workers do not inherit.
  const file = new URL('./graph-worker.ts', self);
  const api = import.meta.resolve('tsx/esm/api');
  return { file, eval: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); });` };
}

/** Reads the lock file of `job` into a Graph in a worker thread, within the time and heap budget. */
export function readGraphInWorker(job: GraphJob): Promise<Graph> {
  const { file, eval: source } = workerFile();
  const options = { resourceLimits: { maxOldGenerationSizeMb: GRAPH_WORK_HEAP_MB } };
  const worker = source === undefined ? new Worker(file, options) : new Worker(source, { ...options, eval: true });
  return new Promise<Graph>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => {
      finish(() => reject(new HttpError(422, `reading the lock file took longer than ${GRAPH_WORK_TIMEOUT_MS / 1000} s; it was stopped`, 'TOO_COMPLEX')));
    }, GRAPH_WORK_TIMEOUT_MS);
    worker.once('message', (answer: GraphJobAnswer) => {
      finish(() => {
        if (answer.ok) resolve(answer.graph);
        else if ('limit' in answer) reject(new HttpError(422, answer.limit, 'TOO_LARGE'));
        else reject(revive(answer.error));
      });
    });
    worker.once('error', (err: Error & { code?: string }) => {
      finish(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new HttpError(422, `reading the lock file needed more than ${GRAPH_WORK_HEAP_MB} MB; it was stopped`, 'TOO_COMPLEX')
            : new PyvouchError('LOCK_PARSE', `cannot read ${job.filename}: ${err.message}`, { file: job.filename, cause: err }),
        ),
      );
    });
    worker.once('exit', (code) => finish(() => reject(new PyvouchError('LOCK_PARSE', `the lock reader stopped (exit ${code}) before answering`, { file: job.filename }))));
    worker.postMessage(job);
  });
}

/** A PyvouchError again from its JSON form (errors cross the thread boundary as data). */
function revive(json: Record<string, unknown>): PyvouchError {
  const str = (k: string): string | undefined => (typeof json[k] === 'string' ? json[k] : undefined);
  const line = typeof json['line'] === 'number' ? json['line'] : undefined;
  const problems = Array.isArray(json['problems']) ? (json['problems'] as Record<string, unknown>[]).map(revive) : [];
  const file = str('file');
  const path = str('path');
  const help = str('help');
  return new PyvouchError((str('code') ?? 'LOCK_PARSE') as ErrorCode, str('message') ?? 'the lock file cannot be read', {
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    ...(path === undefined ? {} : { path }),
    ...(help === undefined ? {} : { help }),
    problems,
  });
}
