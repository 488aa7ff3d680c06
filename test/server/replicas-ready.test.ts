// GET /healthz and /readyz as a load balancer sees them: alive whatever happens; ready only while
// the store answers, upstream answers and the process is not draining, with the failing check named.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { reviewer, startInProcess, tempDir, writePolicy, writeWheels } from './support.js';

const dir = tempDir('pyvouch-ready-');
const upstream = join(dir, 'wheels');
writeWheels(upstream, [{ name: 'demo', version: '1.0' }]);
const policy = writePolicy(dir, reviewer('Alice'));

interface ReadyBody {
  ready: boolean;
  checks: Record<'store' | 'policy' | 'upstream' | 'draining', { ok: boolean; detail?: string }>;
}

async function readyz(origin: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${origin}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

/** A port that accepts TCP connections and closes them at once: an upstream that answers nothing. */
async function deadPort(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as { port: number }).port };
}

describe('/healthz and /readyz', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  test('a replica with its store and upstream answering is ready; draining makes it unready, not dead', async () => {
    const s = await startInProcess({ upstream, policyPath: policy });
    closers.push(() => s.close());
    const ok = await readyz(s.origin);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.ready, true);
    assert.ok(Object.values(ok.body.checks).every((c) => c.ok));
    s.server.readiness.drain();
    const draining = await readyz(s.origin);
    assert.equal(draining.status, 503);
    assert.equal(draining.body.checks.draining.ok, false);
    assert.equal((await fetch(`${s.origin}/healthz`)).status, 200);
  });

  test('an upstream that cannot answer makes the replica unready and says so', async () => {
    const dead = await deadPort();
    closers.push(() => new Promise((resolve) => dead.server.close(() => resolve())));
    const s = await startInProcess({ upstream: `http://127.0.0.1:${dead.port}/simple/`, policyPath: policy });
    closers.push(() => s.close());
    const r = await readyz(s.origin);
    assert.equal(r.status, 503);
    assert.equal(r.body.checks.upstream.ok, false);
    assert.match(r.body.checks.upstream.detail ?? '', new RegExp(`127\\.0\\.0\\.1:${dead.port}`));
    assert.equal(r.body.checks.store.ok, true);
  });

  test('a store that cannot answer makes the replica unready', async () => {
    const s = await startInProcess({ upstream, policyPath: policy });
    await s.decisions.close();
    closers.push(async () => {
      await s.server.close();
      await s.store.close();
    });
    const r = await readyz(s.origin);
    assert.equal(r.status, 503);
    assert.equal(r.body.checks.store.ok, false);
    assert.equal((await fetch(`${s.origin}/healthz`)).status, 200);
  });
});
