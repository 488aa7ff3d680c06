// The read-only JSON API of the gated index, for the web UI (/ui/) and for scripts:
//   GET /api/packages/<name>   every release upstream lists, each file's verdict and why
//   GET /api/log               the decision log, newest first (?limit, ?project, ?verdict, ?action, ?before)
//   GET /api/status            mode, upstream, policy, store and generation
// Public like the simple API: it tells no more than a failing download would.

import type { ServerResponse } from 'node:http';
import { PyvouchError } from '../errors.js';
import { Version } from '../pep/version.js';
import { canonicalizeName, isValidName } from '../pep/name.js';
import { DECISION_ACTIONS, DECISION_VERDICTS, type DecisionAction, type DecisionLog, type DecisionQuery, type DecisionVerdict, type ServeMode } from '../store/decisions.js';
import type { StatementStore } from '../store/store.js';
import type { Decider, FileDecision, PolicyHolder } from './decide.js';
import type { Freshness } from './freshness.js';
import { errorBody, HttpError, sendJson } from './respond.js';
import type { Upstream } from './upstream.js';

export interface ApiOptions {
  mode: ServeMode;
  upstream: Upstream;
  decider: Decider;
  decisions: DecisionLog;
  store: StatementStore;
  policy: PolicyHolder;
  freshness: Freshness;
  startedAt: Date;
  version: string;
}

/** What a download of the file would do under the server's mode. */
export type FileOutcome = 'serve' | 'refuse' | 'hide' | 'audit';

export class Api {
  constructor(private readonly o: ApiOptions) {}

  async package(res: ServerResponse, name: string, head: boolean): Promise<void> {
    if (!isValidName(name)) throw new HttpError(404, `'${name}' is not a valid project name`, 'INVALID_NAME');
    const canonical = canonicalizeName(name);
    let cached;
    try {
      cached = await this.o.upstream.page(canonical);
    } catch (err) {
      return sendJson(res, 502, errorBody(err), { head });
    }
    if (cached.page === undefined) throw new HttpError(404, `upstream has no project '${canonical}'`, 'NOT_FOUND');
    const files = cached.page.files;
    const decisions = await this.o.decider.decide(canonical, files, true);
    const releases = new Map<string, ReturnType<Api['file']>[]>();
    decisions.forEach((d, i) => {
      const list = releases.get(d.version) ?? [];
      list.push(this.file(d, files[i]!.yanked));
      releases.set(d.version, list);
    });
    const ordered = [...releases.entries()].sort(([a], [b]) => {
      const va = Version.tryParse(a);
      const vb = Version.tryParse(b);
      return va !== null && vb !== null ? vb.compare(va) : a < b ? 1 : a > b ? -1 : 0;
    });
    sendJson(
      res,
      200,
      {
        name: canonical,
        mode: this.o.mode,
        upstream: this.o.upstream.url,
        generation: decisions[0]?.generation ?? (await this.o.freshness.current(true)),
        releases: ordered.map(([version, list]) => ({
          version,
          // A release is usable when any of its files is (pip picks among them).
          allowed: list.some((f) => f.allowed),
          verdicts: count(list.map((f) => f.verdict)),
          files: list,
        })),
      },
      { head },
    );
  }

  private file(d: FileDecision, yanked: false | true | string) {
    return {
      filename: d.filename,
      url: `/files/${encodeURIComponent(d.project)}/${encodeURIComponent(d.filename)}`,
      sha256: d.sha256,
      yanked,
      verdict: d.verdict,
      allowed: d.allowed,
      outcome: outcome(this.o.mode, d.allowed),
      summary: d.summary,
      reasons: d.reasons,
      decidedAt: d.decidedAt,
      ...(d.report === undefined ? {} : { report: d.report }),
    };
  }

  async log(res: ServerResponse, query: URLSearchParams, head: boolean): Promise<void> {
    const q: DecisionQuery = {};
    const limit = query.get('limit');
    if (limit !== null) q.limit = integer('limit', limit);
    const before = query.get('before');
    if (before !== null) q.before = integer('before', before);
    const project = query.get('project');
    if (project !== null && project !== '') q.project = canonicalizeName(project);
    const verdict = query.get('verdict');
    if (verdict !== null && verdict !== '') q.verdict = oneOf('verdict', verdict, DECISION_VERDICTS) as DecisionVerdict;
    const action = query.get('action');
    if (action !== null && action !== '') q.action = oneOf('action', action, DECISION_ACTIONS) as DecisionAction;
    const entries = await this.o.decisions.query(q);
    sendJson(res, 200, { entries, ...(entries.length > 0 ? { next: entries.at(-1)!.id } : {}) }, { head });
  }

  async status(res: ServerResponse, head: boolean): Promise<void> {
    sendJson(
      res,
      200,
      {
        version: this.o.version,
        mode: this.o.mode,
        upstream: this.o.upstream.url,
        // Public, so it names files and databases without saying where they are on this host.
        policy: this.o.policy.path === undefined ? null : publicLocation(this.o.policy.path),
        store: publicLocation(this.o.store.location),
        decisionLog: publicLocation(this.o.decisions.location),
        generation: await this.o.freshness.current(true),
        startedAt: this.o.startedAt.toISOString(),
      },
      { head },
    );
  }
}

export function outcome(mode: ServeMode, allowed: boolean): FileOutcome {
  if (allowed) return 'serve';
  return mode === 'filter' ? 'hide' : mode === 'deny' ? 'refuse' : 'audit';
}

function count(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function integer(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new PyvouchError('USAGE', `'${name}' must be a positive integer, got '${value}'`);
  return Number(value);
}

function oneOf(name: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new PyvouchError('USAGE', `'${name}' must be one of ${allowed.join(', ')}, got '${value}'`);
  return value;
}

/** A location without the host's layout: a file's own name, a database's kind. */
export function publicLocation(location: string): string {
  if (/^postgres(ql)?:/i.test(location)) return 'postgresql';
  const cut = Math.max(location.lastIndexOf('/'), location.lastIndexOf('\\'));
  return cut < 0 ? location : location.slice(cut + 1);
}
