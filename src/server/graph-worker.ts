// The worker thread that reads a posted lock file into a Graph for POST /api/graph, so a hostile
// or just huge lock file costs this thread, never the event loop that serves pip. It checks the
// graph's size and depth before handing it back; the main thread evaluates and renders it.
import { parentPort } from 'node:worker_threads';
import { isPyvouchError } from '../errors.js';
import { readLock } from '../lock/read.js';
import { parseTarget } from '../pep/environment.js';
import { graphLimitProblem, type GraphJob, type GraphJobAnswer } from './graph-job.js';

parentPort?.on('message', (job: GraphJob) => {
  let answer: GraphJobAnswer;
  try {
    const graph = readLock(
      { path: job.filename, text: job.lock, ...(job.format === undefined ? {} : { format: job.format }), ...(job.pyproject === undefined ? {} : { pyproject: job.pyproject }) },
      parseTarget(job.target),
      job.selection,
    );
    const problem = graphLimitProblem(graph);
    answer = problem === undefined ? { ok: true, graph } : { ok: false, limit: problem };
  } catch (err) {
    answer = isPyvouchError(err)
      ? { ok: false, error: err.toJSON() }
      : { ok: false, error: { code: 'LOCK_PARSE', message: `cannot read ${job.filename}: ${err instanceof Error ? err.message : String(err)}`, file: job.filename } };
  }
  parentPort!.postMessage(answer);
});
