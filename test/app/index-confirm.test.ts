// The index party counts only for files the index is known to serve (issue #10 item 11): `check`
// confirms each locked file by filename and sha256 against the index's project page, on a real
// fake index over HTTP, against a local snapshot of pages, or not at all (offline = no credit).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkGraph, type CheckResult } from '../../src/app/check.js';
import type { ConfirmOptions } from '../../src/app/index-confirm.js';
import { loadLockFile } from '../../src/lock/load.js';
import { parseTarget } from '../../src/pep/environment.js';
import { checkToJson, renderCheckText } from '../../src/render/check.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { sha256, startFakeIndex, wheelFile, type FakeIndex } from '../support/fake-index.js';

const served = wheelFile('tiny', '1.0');
const servedSha = sha256(served.content);
let index: FakeIndex;
const dir = mkdtempSync(join(tmpdir(), 'pyvouch-idx-'));
const now = new Date('2026-11-01T00:00:00Z');

before(async () => {
  index = await startFakeIndex({ projects: [{ name: 'tiny', files: [served] }] });
});
after(async () => {
  await index.close();
});

/** A uv.lock with one package from `registry`, locking `sha`. */
function uvLock(registry: string, sha: string): string {
  const file = join(dir, `uv-${Math.random().toString(36).slice(2)}.lock`);
  writeFileSync(
    file,
    `version = 1\nrequires-python = ">=3.10"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "tiny" }]\n\n[[package]]\nname = "tiny"\nversion = "1.0"\nsource = { registry = "${registry}" }\nwheels = [\n    { url = "${index.fileUrl(served.filename)}", hash = "sha256:${sha}" },\n]\n`,
  );
  return file;
}

function policyFor(url: string) {
  return parsePolicyToml(`[policy]\nthreshold = 0.5\n\n[[party]]\nname = "pypi"\nindex = "${url}"\nweight = 0.5\n`);
}

async function check(lock: string, url: string, confirm: ConfirmOptions = {}): Promise<CheckResult> {
  const graph = loadLockFile(lock, parseTarget({}), {});
  return checkGraph({ graph, sources: [], policy: policyFor(url), now, confirm });
}

const tiny = (r: CheckResult) => r.report.nodes.find((n) => n.name === 'tiny')!;
const indexCredit = (r: CheckResult) => tiny(r).contributions.some((c) => c.kind === 'index');

test('an index that serves the locked file with its sha256 gives its credit', async () => {
  const r = await check(uvLock(index.url, servedSha), index.url);
  assert.equal(indexCredit(r), true);
  assert.equal(tiny(r).verdict, 'pass');
  assert.ok(index.requestsTo('/simple/tiny/').length >= 1, 'the project page was fetched');
});

test('a lock naming a sha256 the index does not serve gets no index credit', async () => {
  const forged = sha256('not the served wheel');
  const r = await check(uvLock(index.url, forged), index.url);
  assert.equal(indexCredit(r), false);
  assert.equal(tiny(r).verdict, 'fail');
  assert.ok(tiny(r).notes.some((n) => n.kind === 'index' && n.message.includes('another sha256')));
});

test('a lock naming a project the index does not list gets no index credit', async () => {
  const lock = uvLock(index.url, servedSha).replace(/$/, '');
  const graph = loadLockFile(lock, parseTarget({}), {});
  graph.nodes.find((n) => n.name === 'tiny')!.name = 'ghost';
  const r = await checkGraph({ graph, sources: [], policy: policyFor(index.url), now });
  const ghost = r.report.nodes.find((n) => n.name === 'ghost')!;
  assert.equal(ghost.contributions.some((c) => c.kind === 'index'), false);
  assert.equal(ghost.verdict, 'fail');
});

test('an unreachable index gives no credit and the report says so (text and JSON)', async () => {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  const dead = `http://127.0.0.1:${port}/simple/`;
  const r = await check(uvLock(dead, servedSha), dead);
  assert.equal(indexCredit(r), false);
  assert.equal(tiny(r).verdict, 'fail');
  assert.match(r.indexNotes.join('\n'), /could not be reached/);
  assert.match(renderCheckText(r, false), /index: pypi: .*could not be reached/);
  assert.match(checkToJson(r).indexNotes.join('\n'), /could not be reached/);
});

test('offline: no index is consulted and no index credit is given, with a note', async () => {
  const before = index.requests.length;
  const r = await check(uvLock(index.url, servedSha), index.url, { offline: true });
  assert.equal(index.requests.length, before, 'nothing was fetched');
  assert.equal(indexCredit(r), false);
  assert.match(r.indexNotes.join('\n'), /offline/);
});

test('a local mirror that lists the file gives credit; one that lists another sha256 or not the project gives none', async () => {
  const registry = 'https://pypi.org/simple';
  const mirror = join(dir, 'mirror');
  mkdirSync(join(mirror, 'tiny'), { recursive: true });
  const page = (sha: string) =>
    JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'tiny', files: [{ filename: served.filename, url: `https://files.example/${served.filename}`, hashes: { sha256: sha } }] });
  writeFileSync(join(mirror, 'tiny', 'index.json'), page(servedSha));
  const ok = await check(uvLock(registry, servedSha), registry, { mirror });
  assert.equal(indexCredit(ok), true);
  assert.match(ok.indexNotes.join('\n'), /local snapshot/);

  writeFileSync(join(mirror, 'tiny', 'index.json'), page(sha256('other')));
  assert.equal(indexCredit(await check(uvLock(registry, servedSha), registry, { mirror })), false);
  assert.equal(indexCredit(await check(uvLock(registry, servedSha), registry, { mirror: join(dir, 'empty-mirror') })), false);
});

test('a lock that does not record the index is confirmed against the policy\'s index, and the report says so', async () => {
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, `tiny==1.0 --hash=sha256:${servedSha}\n`);
  const r = await check(req, index.url);
  assert.equal(indexCredit(r), true);
  assert.ok(tiny(r).notes.some((n) => n.kind === 'index' && n.message.includes('does not record which index')));

  writeFileSync(req, `tiny==1.0 --hash=sha256:${sha256('forged')}\n`);
  assert.equal(indexCredit(await check(req, index.url)), false);
});

test('a lock naming another index than the party\'s gets no credit, and that index is not asked', async () => {
  const elsewhere = 'https://evil.example/simple';
  const before = index.requests.length;
  const r = await check(uvLock(elsewhere, servedSha), index.url);
  assert.equal(indexCredit(r), false);
  assert.equal(index.requests.length, before);
});

test('the evaluation alone (serve, which fetched the files from upstream) keeps crediting the named index', () => {
  const graph = loadLockFile(uvLock(index.url, servedSha), parseTarget({}), {});
  const report = evaluatePolicy(graph, [], policyFor(index.url), { now });
  assert.equal(report.nodes.find((n) => n.name === 'tiny')!.contributions.some((c) => c.kind === 'index'), true);
});
