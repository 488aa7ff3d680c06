// Shared by the server tests: real wheels written to an upstream directory, signed statements
// (reviews and flags) by a throwaway identity, a policy naming it, an in-process server over a
// SQLite store, and a `pyvouch serve` child process whose address is read from its first line.

import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import pg from 'pg';
import type { Identity } from '../../src/attest/keys.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, signStatement, type StatementInput } from '../../src/attest/statement.js';
import type { Envelope } from '../../src/attest/types.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/app.js';
import { PolicyHolder } from '../../src/server/decide.js';
import { Upstream, type UpstreamOptions } from '../../src/server/upstream.js';
import { openDecisionLog, type DecisionLog, type ServeMode } from '../../src/store/decisions.js';
import { openStore } from '../../src/store/open.js';
import type { StatementStore } from '../../src/store/store.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { cliEntry, projectRoot, tsxLoader } from '../cli/harness.js';
import { wheelFile, type FakeFile, type WheelSpec } from '../support/fake-index.js';
import { listeningOrigin } from '../support/listening.js';

export { listeningOrigin };

export { projectRoot };

export const TOKEN = 'test-admin-token-0123456789';

export function tempDir(prefix = 'pyvouch-server-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Real wheels (METADATA with Requires-Dist, WHEEL, RECORD, a module) written flat into `dir`. */
export function writeWheels(dir: string, specs: readonly { name: string; version: string; spec?: WheelSpec }[]): FakeFile[] {
  mkdirSync(dir, { recursive: true });
  return specs.map(({ name, version, spec }) => {
    const file = wheelFile(name, version, spec ?? {});
    writeFileSync(join(dir, file.filename), file.content);
    return file;
  });
}

export function reviewer(name = 'Reviewer'): Identity {
  return generateIdentity({ name });
}

/** A minute ago, to the second: a statement time every check accepts as past. */
export const minuteAgo = (): string => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

/** A signed statement by `by` about exactly these files of `name==version`. */
function aboutFiles(by: Identity, name: string, version: string, files: readonly FakeFile[], what: Pick<StatementInput, 'kind' | 'criteria' | 'finding' | 'description'>): Envelope {
  const artifacts = files.map((f) => ({ filename: f.filename, sha256: sha256(f.content) }));
  return signStatement(buildStatement({ ...what, agent: { did: by.did, name: by.name ?? 'reviewer' }, package: { name, version }, artifacts, startTime: minuteAgo() }), by);
}

/** An audit for safe-to-deploy of exactly these files of `name==version`. */
export function review(by: Identity, name: string, version: string, files: readonly FakeFile[]): Envelope {
  return aboutFiles(by, name, version, files, { kind: 'assess', criteria: ['safe-to-deploy'], description: `reviewed ${name} ${version}` });
}

/** A malicious-code finding: a veto under the default veto-findings. */
export function flag(by: Identity, name: string, version: string, files: readonly FakeFile[]): Envelope {
  return aboutFiles(by, name, version, files, { kind: 'flag', finding: { kind: 'malicious', severity: 'critical' }, description: `${name} ${version} exfiltrates credentials` });
}

/** A policy where one review by `by` (weight 2.0) meets the threshold. */
export function policyText(by: Identity, extra = ''): string {
  return [
    '[policy]',
    'threshold = 2.0',
    'criteria = "safe-to-deploy"',
    '',
    '[[party]]',
    'name = "reviewers"',
    `identity = "${by.did}"`,
    'weight = 2.0',
    '',
    extra,
  ].join('\n');
}

export function writePolicy(dir: string, by: Identity, extra = ''): string {
  const path = join(dir, 'pyvouch.toml');
  writeFileSync(path, policyText(by, extra));
  return path;
}

export interface InProcess {
  server: RunningServer;
  store: StatementStore;
  decisions: DecisionLog;
  policy: PolicyHolder;
  origin: string;
  close(): Promise<void>;
}

/** A server in this process over a fresh SQLite store (or `storeSpec`), on a free loopback port. */
export async function startInProcess(options: {
  upstream: string;
  policyPath: string;
  mode?: ServeMode;
  token?: string;
  storeSpec?: string;
  extra?: Partial<ServerOptions>;
  upstreamTtlMs?: number;
  upstreamOptions?: Partial<UpstreamOptions>;
}): Promise<InProcess> {
  const spec = options.storeSpec ?? join(tempDir('pyvouch-store-'), 'pyvouch.db');
  const store = await openStore(spec, '/nonexistent');
  const decisions = await openDecisionLog(spec, '/nonexistent');
  const policy = new PolicyHolder(parsePolicyToml(await readText(options.policyPath), { file: options.policyPath }), options.policyPath);
  const server = await startServer({
    upstream: new Upstream(options.upstream, {
      cacheDir: tempDir('pyvouch-cache-'),
      pageTtlMs: options.upstreamTtlMs ?? 60_000,
      // Tests of failures should not wait through the client's back-off.
      http: { retries: 0, timeoutMs: 5000 },
      ...options.upstreamOptions,
    }),
    store,
    decisions,
    policy,
    mode: options.mode ?? 'deny',
    ...(options.token === undefined ? {} : { adminToken: options.token }),
    host: '127.0.0.1',
    port: 0,
    ...options.extra,
  });
  return {
    server,
    store,
    decisions,
    policy,
    origin: server.origin,
    async close() {
      await server.close();
      await decisions.close();
      await store.close();
    },
  };
}

async function readText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}

/**
 * The JSON answer of POST /statements (src/server/api.ts) as the tests read it: the success fields
 * on 201, `error` (and `rejected`) on a refusal; a test reading the wrong one fails on it.
 */
export interface StatementsAnswer {
  ids: string[];
  inserted: string[];
  duplicates: string[];
  error: { code: string; message: string };
  rejected: { index: number }[];
}

/** POSTs to /statements with the admin token (`null`: without any Authorization header). */
export async function postStatements(origin: string, body: unknown, token: string | null = TOKEN): Promise<{ status: number; json: StatementsAnswer }> {
  const res = await fetch(`${origin}/statements`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as StatementsAnswer };
}

export const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';

export interface ServeProcess {
  origin: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/** `pyvouch serve ARGS` from source (through tsx) with the admin token, colour off; stdout and stderr piped. */
export function spawnServeSource(args: readonly string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['--import', tsxLoader, cliEntry, 'serve', ...args], {
    cwd: projectRoot,
    env: { ...process.env, NO_COLOR: '1', NODE_NO_WARNINGS: '1', PYVOUCH_ADMIN_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `pyvouch serve ARGS --listen 127.0.0.1:0` from source and waits for its address. */
export async function spawnServe(args: readonly string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawnServeSource([...args, '--listen', '127.0.0.1:0'], env);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const origin = await listeningOrigin(child, () => stderr, 20_000);
  return {
    origin,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The URL of the PostgreSQL test server with a fresh schema (dropped by `dropSchema`). */
export function postgresSpec(): { url: string | undefined; schema: string; spec: string } {
  const setting = process.env['PYVOUCH_TEST_POSTGRES'];
  const url = setting === 'skip' ? undefined : setting === undefined || setting === '' ? 'postgres://postgres@127.0.0.1:5432/test' : setting;
  const schema = `pyvouch_test_srv_${randomBytes(5).toString('hex')}`;
  if (url === undefined) return { url, schema, spec: '' };
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return { url, schema, spec: u.toString() };
}

/** Drops the schema of a postgresSpec() (when PostgreSQL is not skipped), with all it holds. */
export async function dropPostgresSchema(target: { url: string | undefined; schema: string }): Promise<void> {
  if (target.url === undefined) return;
  const admin = new pg.Client({ connectionString: target.url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${target.schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}
