// Hostile requests to `pyvouch serve` (issue 19, items 1, 5 and 7): heavy work runs off the event
// loop, every request is bounded (body, graph size, depth, answer size), each refusal is a 4xx with
// a reason, and nothing a client sends ends in a 500 or a stack trace in the log.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Logger } from '../../src/server/log.js';
import { MAX_GRAPH_DEPTH, MAX_GRAPH_NODES } from '../../src/server/graph-job.js';
import { MAX_GRAPH_BODY } from '../../src/server/ui.js';
import { startFakeIndex, type FakeIndex } from '../support/fake-index.js';
import { reviewer, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from './support.js';

const logged: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
const logger: Logger = { log: (level, message, fields = {}) => void logged.push({ level, message, fields: { ...fields } }) };

/** A uv.lock whose packages form one chain: root -> p0 -> p1 -> ... -> p(n-1). */
function chainLock(n: number): string {
  const out = ['version = 1', 'requires-python = ">=3.10"', '', '[[package]]', 'name = "root"', 'version = "0.1.0"', 'source = { virtual = "." }', 'dependencies = [{ name = "p0" }]', ''];
  for (let i = 0; i < n; i++) {
    out.push('[[package]]', `name = "p${i}"`, 'version = "1.0"', 'source = { registry = "https://pypi.org/simple" }');
    if (i + 1 < n) out.push(`dependencies = [{ name = "p${i + 1}" }]`);
    out.push('');
  }
  return out.join('\n');
}

/** The refusal body of POST /api/graph, as these tests read it (null: an empty body). */
interface GraphAnswer {
  error: { code: string; message: string };
}

async function postGraph(origin: string, body: unknown): Promise<{ status: number; json: GraphAnswer | null }> {
  const res = await fetch(`${origin}/api/graph`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as GraphAnswer) };
}

describe('hostile requests to pyvouch serve', () => {
  let index: FakeIndex;
  let s: InProcess;
  before(async () => {
    index = await startFakeIndex({ projects: [] });
    s = await startInProcess({ upstream: index.url, policyPath: writePolicy(tempDir(), reviewer('Alice')), token: TOKEN, extra: { logger } });
  });
  after(async () => {
    await s?.close();
    await index?.close();
  });

  test('/healthz answers while a 12,000-package uv.lock chain is being read, which is then refused with 422', async () => {
    const order: string[] = [];
    const heavy = postGraph(s.origin, { lock: chainLock(12_000), filename: 'uv.lock', python: '3.12' }).then((r) => {
      order.push('graph');
      return r;
    });
    // Give the body time to arrive, so the heavy work has started when /healthz is asked.
    await new Promise((r) => setTimeout(r, 150));
    const health = await fetch(`${s.origin}/healthz`);
    order.push('healthz');
    assert.equal(health.status, 200);
    const { status, json } = await heavy;
    assert.deepEqual(order, ['healthz', 'graph']);
    assert.equal(status, 422, JSON.stringify(json));
    assert.equal(json?.error.code, 'TOO_LARGE');
    assert.match(json?.error.message ?? '', new RegExp(`more than the ${MAX_GRAPH_NODES}`));
  });

  test(`a dependency chain deeper than ${MAX_GRAPH_DEPTH} is refused with 422 and the reason`, async () => {
    const { status, json } = await postGraph(s.origin, { lock: chainLock(MAX_GRAPH_DEPTH + 50), filename: 'uv.lock', python: '3.12' });
    assert.equal(status, 422, JSON.stringify(json));
    assert.match(json?.error.message ?? '', /more than 100 packages deep/);
  });

  test('a one-line requirements file naming a 5 KB compressed-tag wheel filename is a quick 200, not a freeze', async () => {
    const part = Array.from({ length: 400 }, () => 'py3').join('.');
    const lock = `https://example.org/x-1.0-${part}-${part}-${part}.whl\n`;
    const { status, json } = await postGraph(s.origin, { lock, filename: 'requirements.txt', python: '3.12' });
    assert.ok(status === 200 || status === 400, `status ${status}: ${JSON.stringify(json)}`);
  });

  test('a lock file body larger than the limit is refused with 413', async () => {
    const res = await fetch(`${s.origin}/api/graph`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ lock: 'x'.repeat(MAX_GRAPH_BODY + 10) }),
    });
    assert.equal(res.status, 413);
    await res.arrayBuffer();
  });

  test('a graph request nested 100,000 deep is refused with 422, not 500', async () => {
    const res = await fetch(`${s.origin}/api/graph`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"lock":"x","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}` });
    assert.equal(res.status, 422);
    await res.arrayBuffer();
  });

  test('POST /statements with deeply nested JSON is a 400 JSON_TOO_DEEP, not a 500', async () => {
    const res = await fetch(`${s.origin}/statements`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: `[{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}]`,
    });
    const json = (await res.json()) as { error: { code: string } };
    assert.equal(res.status, 400);
    assert.equal(json.error.code, 'JSON_TOO_DEEP');
  });

  test('a client aborting mid-body is logged in one line, without a stack trace', async () => {
    const before = logged.length;
    const url = new URL(`${s.origin}/statements`);
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '100000', Authorization: `Bearer ${TOKEN}` } });
      req.on('error', () => resolve());
      req.write('[{"payloadType":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    // The server learns of the abort asynchronously.
    for (let i = 0; i < 50 && logged.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    const lines = logged.slice(before);
    assert.ok(lines.length > 0, 'the abort is logged');
    for (const line of lines) {
      assert.notEqual(line.level, 'error', JSON.stringify(line));
      assert.doesNotMatch(JSON.stringify(line.fields), /\n\s+at /, 'no stack trace');
    }
  });

  test('unauthenticated /api/status does not reveal the absolute store path', async () => {
    const res = await fetch(`${s.origin}/api/status`);
    const json = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200);
    assert.equal(json['store'], 'pyvouch.db');
    assert.ok(!JSON.stringify(json).includes('/tmp/'), JSON.stringify(json));
  });
});
