// GET /readyz for a load balancer: is this replica able to decide right now? The store answers
// (its statement generation is read, so a lost PostgreSQL connection shows), a policy is loaded,
// upstream answers (any HTTP status below 500, or the directory is there), and the server is not
// draining. /healthz stays the bare liveness check: a replica whose store is down is alive but
// not ready, and a balancer should route around it without restarting it.

import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DecisionLog } from '../store/decisions.js';
import { WORKER_SLOT_ENV } from './cluster.js';
import type { PolicyHolder } from './decide.js';
import type { Upstream } from './upstream.js';

export interface ReadyCheck {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { store: ReadyCheck; policy: ReadyCheck; upstream: ReadyCheck; draining: ReadyCheck };
  /** Which process answered (a worker of `serve --workers` says its slot too). */
  process: { pid: number; worker?: number };
}

export interface ReadinessOptions {
  decisions: DecisionLog;
  policy: PolicyHolder;
  upstream: Upstream;
  /** Each probe's bound (default 2 s). */
  timeoutMs?: number;
  /** How long an upstream probe's answer is reused (default 5 s): balancers poll often. */
  upstreamReuseMs?: number;
}

export class ReadinessProbe {
  #draining = false;
  #upstream: { at: number; result: Promise<ReadyCheck> } | undefined;
  readonly #timeoutMs: number;
  readonly #reuseMs: number;

  constructor(private readonly o: ReadinessOptions) {
    this.#timeoutMs = o.timeoutMs ?? 2000;
    this.#reuseMs = o.upstreamReuseMs ?? 5000;
  }

  /** From now on the replica reports not ready (it is stopping and drains its requests). */
  drain(): void {
    this.#draining = true;
  }

  async check(): Promise<Readiness> {
    const [store, upstream] = await Promise.all([this.#store(), this.#upstreamCheck()]);
    const policy: ReadyCheck = this.o.policy.policy === undefined ? { ok: false, detail: 'no policy loaded' } : { ok: true, ...(this.o.policy.path === undefined ? {} : { detail: this.o.policy.path }) };
    const draining: ReadyCheck = this.#draining ? { ok: false, detail: 'stopping: draining requests in flight' } : { ok: true };
    const slot = process.env[WORKER_SLOT_ENV];
    return {
      ready: store.ok && policy.ok && upstream.ok && draining.ok,
      checks: { store, policy, upstream, draining },
      process: { pid: process.pid, ...(slot === undefined ? {} : { worker: Number(slot) }) },
    };
  }

  async #store(): Promise<ReadyCheck> {
    try {
      const generation = await within(this.o.decisions.statementGeneration(), this.#timeoutMs, 'the store did not answer');
      return { ok: true, detail: `generation ${generation}` };
    } catch (err) {
      return { ok: false, detail: message(err) };
    }
  }

  #upstreamCheck(): Promise<ReadyCheck> {
    const now = Date.now();
    if (this.#upstream !== undefined && now - this.#upstream.at < this.#reuseMs) return this.#upstream.result;
    const result = this.#probeUpstream();
    this.#upstream = { at: now, result };
    return result;
  }

  async #probeUpstream(): Promise<ReadyCheck> {
    const url = this.o.upstream.url;
    try {
      if (this.o.upstream.local) {
        const info = await stat(url.startsWith('file:') ? fileURLToPath(url) : url);
        return info.isDirectory() ? { ok: true, detail: url } : { ok: false, detail: `${url} is not a directory` };
      }
      const res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(this.#timeoutMs) });
      return res.status < 500 ? { ok: true, detail: `${url}: HTTP ${res.status}` } : { ok: false, detail: `${url}: HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, detail: `${url}: ${message(err)}` };
    }
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
