// The gated index over an HTTP upstream (the in-repo fake PEP 503/691 index on 127.0.0.1), in each
// mode: pages, downloads checked against upstream's digest, PEP 658 metadata, PEP 740 provenance,
// the decision log, the JSON API, metrics, and what happens when upstream fails.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startFakeIndex, wheelFile, type FakeFile, type FakeIndex } from '../support/fake-index.js';
import { flag, PIP_ACCEPT, postStatements, review, reviewer, sha256, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from './support.js';

const alice = reviewer('Alice');
const trusted = wheelFile('trusted', '1.0');
const trustedOld = wheelFile('trusted', '0.9');
const untrusted = wheelFile('untrusted', '2.0', { requires: ['trusted'] });
const tampered: FakeFile = { ...wheelFile('tampered', '1.0'), wrongHash: true };
const policyDir = tempDir();
const policyPath = writePolicy(policyDir, alice);

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; statusText: string; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, statusText: res.statusText, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('gated index over an HTTP upstream', () => {
  let index: FakeIndex;
  let provenanceServer: Server;
  let provenanceUrl = '';
  const servers: InProcess[] = [];

  before(async () => {
    provenanceServer = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.pypi.integrity.v1+json' });
      res.end(JSON.stringify({ version: 1, attestation_bundles: [], asked: req.headers.accept }));
    });
    await new Promise<void>((resolve) => provenanceServer.listen(0, '127.0.0.1', resolve));
    provenanceUrl = `http://127.0.0.1:${(provenanceServer.address() as AddressInfo).port}/integrity/trusted/1.0/prov`;
    index = await startFakeIndex({
      projects: [
        { name: 'trusted', files: [trustedOld, { ...trusted, provenance: provenanceUrl }] },
        { name: 'untrusted', files: [untrusted] },
        { name: 'tampered', files: [tampered] },
      ],
    });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await index.close();
    await new Promise<void>((resolve) => provenanceServer.close(() => resolve()));
  });

  const start = async (mode: 'filter' | 'deny' | 'audit', extra: Parameters<typeof startInProcess>[0] extends infer O ? Partial<O> : never = {}): Promise<InProcess> => {
    const s = await startInProcess({ upstream: index.url, policyPath, mode, token: TOKEN, ...extra });
    servers.push(s);
    const { status } = await postStatements(s.origin, [review(alice, 'trusted', '1.0', [trusted]), review(alice, 'trusted', '0.9', [trustedOld])]);
    assert.equal(status, 201);
    return s;
  };

  describe('deny mode', () => {
    let s: InProcess;
    before(async () => {
      s = await start('deny');
    });

    test("answers pip's Accept header with PEP 691 JSON listing every file at this server's URLs", async () => {
      const res = await get(`${s.origin}/simple/untrusted/`, { Accept: PIP_ACCEPT });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/vnd.pypi.simple.v1+json');
      assert.equal(res.headers.get('vary'), 'Accept');
      const page = JSON.parse(res.body.toString()) as { files: { url: string; hashes: Record<string, string> }[] };
      assert.deepEqual(page.files.map((f) => f.url), [`../../files/untrusted/${untrusted.filename}`]);
      assert.deepEqual(page.files[0]!.hashes, { sha256: sha256(untrusted.content) });
    });

    test('answers a browser with HTML, and a repeated request with 304 from the page cache', async () => {
      const first = await get(`${s.origin}/simple/trusted/`, { Accept: 'text/html' });
      assert.equal(first.status, 200);
      assert.match(first.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(first.body.toString(), new RegExp(`href="\\.\\./\\.\\./files/trusted/${trusted.filename}#sha256=${sha256(trusted.content)}"`));
      const upstreamCalls = index.requestsTo('/simple/trusted/').length;
      const again = await get(`${s.origin}/simple/trusted/`, { Accept: 'text/html', 'If-None-Match': first.headers.get('etag')! });
      assert.equal(again.status, 304);
      assert.equal(index.requestsTo('/simple/trusted/').length, upstreamCalls, 'served from memory, upstream not asked');
    });

    test('refuses an untrusted download with 403 and the reason in the status text and body', async () => {
      const res = await get(`${s.origin}/files/untrusted/${untrusted.filename}`);
      assert.equal(res.status, 403);
      assert.equal(res.statusText, 'Forbidden: pyvouch: untrusted 2.0 fails the policy: score 0.0 is 2.0 short of 2.0; no statements about untrusted==2.0: nobody has reviewed it');
      assert.match(res.body.toString().split('\n')[0]!, /^pyvouch: untrusted 2\.0 fails the policy/);
      assert.equal(index.requestsTo(`/files/${untrusted.filename}`).length, 0, 'a refused file is never fetched');
    });

    test('serves a trusted file with the bytes upstream has, and records both decisions', async () => {
      const res = await get(`${s.origin}/files/trusted/${trusted.filename}`);
      assert.equal(res.status, 200);
      assert.equal(sha256(res.body), sha256(trusted.content));
      assert.equal(res.headers.get('etag'), `"${sha256(trusted.content)}"`);
      const entries = await s.decisions.query({ limit: 10 });
      const served = entries.find((e) => e.filename === trusted.filename);
      assert.deepEqual(
        { action: served?.action, verdict: served?.verdict, client: served?.client, mode: served?.mode, sha256: served?.sha256, version: served?.version },
        { action: 'serve', verdict: 'pass', client: '127.0.0.1', mode: 'deny', sha256: sha256(trusted.content), version: '1.0' },
      );
      const refused = entries.find((e) => e.filename === untrusted.filename);
      assert.equal(refused?.action, 'refuse');
      assert.ok(refused?.reasons.some((r) => /short of the threshold/.test(r)));
    });

    test('refuses a file whose bytes do not match the sha256 upstream states (502), whatever the verdict', async () => {
      const pass = await postStatements(s.origin, review(alice, 'tampered', '1.0', [{ ...tampered, content: Buffer.concat([Buffer.from('x'), tampered.content]) }]));
      assert.equal(pass.status, 201);
      const res = await get(`${s.origin}/files/tampered/${tampered.filename}`);
      assert.equal(res.status, 502);
      assert.match(res.body.toString(), /does not match the digest upstream states/);
      const [last] = await s.decisions.query({ limit: 1, project: 'tampered' });
      assert.equal(last?.action, 'error');
    });

    test('serves PEP 658 metadata matching the hash on its page', async () => {
      const page = JSON.parse((await get(`${s.origin}/simple/trusted/`, { Accept: PIP_ACCEPT })).body.toString()) as {
        files: { filename: string; 'core-metadata': { sha256: string } }[];
      };
      const entry = page.files.find((f) => f.filename === trusted.filename)!;
      const res = await get(`${s.origin}/files/trusted/${trusted.filename}.metadata`);
      assert.equal(res.status, 200);
      assert.equal(sha256(res.body), entry['core-metadata'].sha256);
      assert.equal(res.body.toString(), trusted.metadata);
    });

    test('passes PEP 740 provenance through from upstream', async () => {
      const page = JSON.parse((await get(`${s.origin}/simple/trusted/`, { Accept: PIP_ACCEPT })).body.toString()) as {
        files: { filename: string; provenance?: string }[];
      };
      assert.equal(page.files.find((f) => f.filename === trusted.filename)?.provenance, `../../files/trusted/${trusted.filename}.provenance`);
      const res = await get(`${s.origin}/files/trusted/${trusted.filename}.provenance`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/vnd.pypi.integrity.v1+json');
      assert.equal((JSON.parse(res.body.toString()) as { asked: string }).asked, 'application/vnd.pypi.integrity.v1+json');
      assert.equal((await get(`${s.origin}/files/trusted/${trustedOld.filename}.provenance`)).status, 404);
    });

    test('redirects non-normalized names, 404s unknown projects and files', async () => {
      const moved = await get(`${s.origin}/simple/Trusted/`);
      assert.equal(moved.status, 301);
      assert.equal(moved.headers.get('location'), '../trusted/');
      assert.equal((await get(`${s.origin}/simple/trusted`)).headers.get('location'), 'trusted/');
      assert.equal((await get(`${s.origin}/simple/no-such-project/`)).status, 404);
      assert.equal((await get(`${s.origin}/files/trusted/trusted-9.9-py3-none-any.whl`)).status, 404);
      assert.equal((await get(`${s.origin}/simple/trusted/`, { Accept: 'application/json' })).status, 406);
    });

    test("proxies upstream's project list", async () => {
      const res = await get(`${s.origin}/simple/`, { Accept: PIP_ACCEPT });
      assert.deepEqual(JSON.parse(res.body.toString()), {
        meta: { 'api-version': '1.0' },
        projects: [{ name: 'tampered' }, { name: 'trusted' }, { name: 'untrusted' }],
      });
    });

    test('explains each release through the JSON API, and shows the decision log', async () => {
      const res = await get(`${s.origin}/api/packages/Trusted`);
      const body = JSON.parse(res.body.toString()) as {
        name: string;
        mode: string;
        releases: { version: string; allowed: boolean; files: { filename: string; verdict: string; outcome: string; report: { score: number } }[] }[];
      };
      assert.equal(body.name, 'trusted');
      assert.deepEqual(body.releases.map((r) => [r.version, r.allowed, r.files[0]!.verdict, r.files[0]!.outcome, r.files[0]!.report.score]), [
        ['1.0', true, 'pass', 'serve', 2],
        ['0.9', true, 'pass', 'serve', 2],
      ]);
      const log = JSON.parse((await get(`${s.origin}/api/log?verdict=fail&limit=5`)).body.toString()) as { entries: { verdict: string; project: string }[] };
      assert.ok(log.entries.length >= 1);
      assert.ok(log.entries.every((e) => e.verdict === 'fail'));
      assert.equal((await get(`${s.origin}/api/log?verdict=maybe`)).status, 400);
    });

    test('exports Prometheus metrics: requests, decisions by verdict, cache hits, upstream latency', async () => {
      const text = (await get(`${s.origin}/metrics`)).body.toString();
      assert.match(text, /^# TYPE pyvouch_http_requests_total counter$/m);
      assert.match(text, /^pyvouch_decisions_total\{action="refuse",verdict="fail"\} [1-9]/m);
      assert.match(text, /^pyvouch_decisions_total\{action="serve",verdict="pass"\} [1-9]/m);
      assert.match(text, /^pyvouch_page_cache_total\{result="hit"\} [1-9]/m);
      assert.match(text, /^pyvouch_decision_cache_total\{result="miss"\} [1-9]/m);
      assert.match(text, /^pyvouch_upstream_request_duration_seconds_count\{kind="page",outcome="ok"\} [1-9]/m);
      assert.match(text, /^pyvouch_upstream_request_duration_seconds_bucket\{kind="file",le="\+Inf",outcome="ok"\} [1-9]/m);
    });

    test('a veto posted to this server is enforced on the very next download', async () => {
      assert.equal((await get(`${s.origin}/files/trusted/${trustedOld.filename}`)).status, 200);
      assert.equal((await postStatements(s.origin, flag(alice, 'trusted', '0.9', [trustedOld]))).status, 201);
      const res = await get(`${s.origin}/files/trusted/${trustedOld.filename}`);
      assert.equal(res.status, 403);
      assert.match(res.statusText, /vetoed/);
    });
  });

  describe('filter mode', () => {
    let s: InProcess;
    before(async () => {
      s = await start('filter');
    });

    test('leaves untrusted files out of the page and refuses them if asked for directly', async () => {
      const page = JSON.parse((await get(`${s.origin}/simple/untrusted/`, { Accept: PIP_ACCEPT })).body.toString()) as { files: unknown[]; versions: string[] };
      assert.deepEqual(page.files, []);
      assert.deepEqual(page.versions, []);
      assert.equal((await get(`${s.origin}/files/untrusted/${untrusted.filename}`)).status, 403);
      assert.equal((await get(`${s.origin}/files/untrusted/${untrusted.filename}.metadata`)).status, 404);
      const hidden = await s.decisions.query({ project: 'untrusted', action: 'hide' });
      assert.equal(hidden.length, 1, 'a hidden file is logged once, not on every page view');
      await get(`${s.origin}/simple/untrusted/`, { Accept: PIP_ACCEPT });
      assert.equal((await s.decisions.query({ project: 'untrusted', action: 'hide' })).length, 1);
    });

    test('lists a file as soon as a review of it is posted', async () => {
      assert.equal((await postStatements(s.origin, review(alice, 'untrusted', '2.0', [untrusted]))).status, 201);
      const page = JSON.parse((await get(`${s.origin}/simple/untrusted/`, { Accept: PIP_ACCEPT })).body.toString()) as { files: { filename: string }[] };
      assert.deepEqual(page.files.map((f) => f.filename), [untrusted.filename]);
      assert.equal((await get(`${s.origin}/files/untrusted/${untrusted.filename}`)).status, 200);
    });
  });

  describe('audit mode', () => {
    test('serves everything and records what would have been refused', async () => {
      const s = await start('audit');
      const res = await get(`${s.origin}/files/untrusted/${untrusted.filename}`);
      assert.equal(res.status, 200);
      assert.equal(sha256(res.body), sha256(untrusted.content));
      const [entry] = await s.decisions.query({ project: 'untrusted', limit: 1 });
      assert.deepEqual([entry?.action, entry?.verdict, entry?.mode], ['audit', 'fail', 'audit']);
    });
  });

  describe('the upstream cache', () => {
    test('survives a restart: pages are revalidated with their ETag, files are not fetched again', async () => {
      const cacheDir = tempDir('pyvouch-cache-');
      const storeSpec = `${tempDir('pyvouch-store-')}/pyvouch.db`;
      const first = await startInProcess({ upstream: index.url, policyPath, mode: 'deny', token: TOKEN, storeSpec, upstreamOptions: { cacheDir } });
      await postStatements(first.origin, review(alice, 'trusted', '1.0', [trusted]));
      assert.equal((await get(`${first.origin}/files/trusted/${trusted.filename}`)).status, 200);
      await first.close();
      const pageCalls = index.requestsTo('/simple/trusted/').length;
      const fileCalls = index.requestsTo(`/files/${trusted.filename}`).length;

      const second = await startInProcess({ upstream: index.url, policyPath, mode: 'deny', token: TOKEN, storeSpec, upstreamOptions: { cacheDir } });
      servers.push(second);
      const res = await get(`${second.origin}/files/trusted/${trusted.filename}`);
      assert.equal(res.status, 200);
      assert.equal(sha256(res.body), sha256(trusted.content));
      const pageRequests = index.requestsTo('/simple/trusted/').slice(pageCalls);
      assert.equal(pageRequests.length, 1);
      assert.notEqual(pageRequests[0]!.ifNoneMatch, undefined, 'the page is revalidated, not fetched blind');
      assert.equal(pageRequests[0]!.status, 304);
      assert.equal(index.requestsTo(`/files/${trusted.filename}`).length, fileCalls, 'the file comes from the disk cache');
    });
  });

  describe('when upstream fails', () => {
    test('answers 502 with the reason, and never serves a page it no longer can check', async () => {
      const flaky = await startFakeIndex({ projects: [{ name: 'trusted', files: [trusted] }] });
      const s = await startInProcess({ upstream: flaky.url, policyPath, mode: 'filter', token: TOKEN, upstreamTtlMs: 0 });
      servers.push(s);
      await postStatements(s.origin, review(alice, 'trusted', '1.0', [trusted]));
      assert.equal((await get(`${s.origin}/simple/trusted/`)).status, 200);
      flaky.fault('/simple/trusted/', { status: 503 });
      const res = await get(`${s.origin}/simple/trusted/`);
      assert.equal(res.status, 502);
      assert.match(res.body.toString(), /^pyvouch: upstream http:\/\/127\.0\.0\.1:\d+\/simple\/ cannot answer for project 'trusted': .*503/);
      await flaky.close();
      const gone = await get(`${s.origin}/files/trusted/${trusted.filename}`);
      assert.equal(gone.status, 502);
      assert.match(gone.statusText, /^Bad Gateway/);
    });
  });
});
