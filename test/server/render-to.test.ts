// `serve --render-to DIR` and `--accel-dir DIR`: pages rendered for nginx are exactly the server's
// answers, published atomically under content-addressed names, rewritten before the admin answer
// when a statement or policy reload changes a decision (so a hidden file never stays hidden from
// the static page after a review's 201, and a vetoed file is gone from it after the veto's 201),
// rewritten within one interval when another process changed the store, and removed when the page
// cannot be served. Downloads leave through X-Accel-Redirect only after the decision.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importEnvelopes } from '../../src/store/import.js';
import { openStore } from '../../src/store/open.js';
import { flag, PIP_ACCEPT, policyText, postStatements, review, reviewer, startInProcess, tempDir, TOKEN, writePolicy, writeWheels, type InProcess } from './support.js';
import { eventually } from './scale-support.js';

const alice = reviewer('Alice');
const dir = tempDir('pyvouch-render-');
const upstream = join(dir, 'wheels');
const [one, two] = writeWheels(upstream, [
  { name: 'demo', version: '1.0' },
  { name: 'demo', version: '2.0' },
]);
const policy = writePolicy(dir, alice);
const render = join(dir, 'render');
const accel = join(dir, 'accel');
const storePath = join(dir, 'store.db');
const INTERVAL_MS = 300;
/** What nginx configured as docs/deploy.md says adds to every request it passes on. */
const NGINX = { 'X-Pyvouch-Accel': 'on' };

function rendered(name: string, index: string): string | undefined {
  const path = join(render, 'simple', name, index);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function listedFiles(name: string): string[] {
  const text = rendered(name, 'index.v1_json');
  assert.ok(text !== undefined, `no rendered page for ${name}`);
  return (JSON.parse(text) as { files: { filename: string }[] }).files.map((f) => f.filename).sort();
}

describe('serve --render-to and --accel-dir (filter mode)', () => {
  let server: InProcess;
  before(async () => {
    server = await startInProcess({
      upstream,
      policyPath: policy,
      mode: 'filter',
      token: TOKEN,
      storeSpec: storePath,
      upstreamTtlMs: 100,
      extra: { renderTo: { dir: render, intervalMs: INTERVAL_MS }, accel: { dir: accel, prefix: '/_pyvouch/files/' } },
    });
  });
  after(async () => server.close());

  test('a page asked for once is rendered, byte for byte what the server answers, under its sha256', async () => {
    const res = await fetch(`${server.origin}/simple/demo/`, { headers: { Accept: PIP_ACCEPT } });
    assert.equal(res.status, 200);
    await server.server.renderer!.settled();
    const json = rendered('demo', 'index.v1_json');
    assert.equal(json, await (await fetch(`${server.origin}/simple/demo/`, { headers: { Accept: PIP_ACCEPT } })).text());
    const html = rendered('demo', 'index.html');
    assert.equal(html, await (await fetch(`${server.origin}/simple/demo/`, { headers: { Accept: 'text/html' } })).text());
    assert.equal(rendered('demo', 'index.v1_html'), html);
    const names = readdirSync(join(render, 'simple', 'demo')).sort();
    const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
    assert.deepEqual(names, [`${digest(html)}.demo.html`, `${digest(json)}.demo.v1_json`, 'generation', 'index.html', 'index.v1_html', 'index.v1_json'].sort());
    // Nobody vouched yet: filter mode hides both files on the static page too.
    assert.deepEqual(listedFiles('demo'), []);
  });

  test('after the 201 of a review, the static page lists the file it was hiding', async () => {
    const { status } = await postStatements(server.origin, review(alice, 'demo', '1.0', [one!]));
    assert.equal(status, 201);
    // No waiting: the page was rewritten before the answer was sent.
    assert.deepEqual(listedFiles('demo'), [one!.filename]);
    // Only the current renderings stay in the directory.
    assert.equal(readdirSync(join(render, 'simple', 'demo')).filter((n) => /^[0-9a-f]{64}\./.test(n)).length, 2);
  });

  test('a download is decided, recorded, then handed to nginx by X-Accel-Redirect; a refusal never is', async () => {
    const sha = createHash('sha256').update(one!.content).digest('hex');
    const res = await fetch(`${server.origin}/files/demo/${one!.filename}`, { headers: NGINX });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-accel-redirect'), `/_pyvouch/files/${sha.slice(0, 2)}/${sha.slice(2)}`);
    assert.equal((await res.arrayBuffer()).byteLength, 0, 'the bytes do not pass through Node');
    assert.deepEqual(readFileSync(join(accel, sha.slice(0, 2), sha.slice(2))), Buffer.from(one!.content));
    const log = (await (await fetch(`${server.origin}/api/log?project=demo&action=serve`)).json()) as { entries: { filename: string }[] };
    assert.ok(log.entries.some((e) => e.filename === one!.filename), 'served downloads are in the decision log');

    // Asked directly, not through nginx: the bytes come from the server itself.
    const direct = await fetch(`${server.origin}/files/demo/${one!.filename}`);
    assert.equal(direct.headers.get('x-accel-redirect'), null);
    assert.deepEqual(Buffer.from(await direct.arrayBuffer()), Buffer.from(one!.content));

    const refused = await fetch(`${server.origin}/files/demo/${two!.filename}`, { headers: NGINX });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-accel-redirect'), null);
    const sha2 = createHash('sha256').update(two!.content).digest('hex');
    assert.equal(existsSync(join(accel, sha2.slice(0, 2), sha2.slice(2))), false, 'an untrusted file is never placed where nginx serves from');
  });

  test('after the 201 of a veto, the static page no longer lists the file and nginx gets no redirect for it', async () => {
    const { status } = await postStatements(server.origin, flag(alice, 'demo', '1.0', [one!]));
    assert.equal(status, 201);
    assert.deepEqual(listedFiles('demo'), []);
    const res = await fetch(`${server.origin}/files/demo/${one!.filename}`, { headers: NGINX });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-accel-redirect'), null);
  });

  test('a policy reload that changes decisions rewrites the page before it answers', async () => {
    writeFileSync(policy, policyText(alice).replace('threshold = 2.0', 'threshold = 0'));
    try {
      const res = await fetch(`${server.origin}/policy/reload`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
      // Threshold 0 lets 2.0 through; 1.0 stays vetoed (a veto wins over any threshold).
      assert.deepEqual(listedFiles('demo'), [two!.filename]);
    } finally {
      writeFileSync(policy, policyText(alice));
      await fetch(`${server.origin}/policy/reload`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    }
    assert.deepEqual(listedFiles('demo'), []);
  });

  test('a statement another process stored is on the static page within one interval', async () => {
    const other = await openStore(storePath, '/nonexistent');
    try {
      const outcome = await importEnvelopes(other, [review(alice, 'demo', '2.0', [two!])]);
      assert.equal(outcome.inserted, 1);
    } finally {
      await other.close();
    }
    // SQLite announces nothing: the periodic sweep finds it. The bound is generous (a loaded
    // machine); what is checked is that it happens without any request for the page.
    await eventually('the page shows the other process\'s review', () => listedFiles('demo').includes(two!.filename), 20 * INTERVAL_MS + 10_000);
  });

  test('a page upstream no longer has is removed, so nginx falls through to the server', async () => {
    const [lone] = writeWheels(upstream, [{ name: 'ephemeral', version: '1.0' }]);
    assert.equal((await fetch(`${server.origin}/simple/ephemeral/`)).status, 200);
    await server.server.renderer!.settled();
    assert.ok(rendered('ephemeral', 'index.html') !== undefined);
    rmSync(join(upstream, lone!.filename));
    await eventually('the page of a project upstream lost is removed', () => !existsSync(join(render, 'simple', 'ephemeral')), 20 * INTERVAL_MS + 10_000);
    assert.equal((await fetch(`${server.origin}/simple/ephemeral/`)).status, 404);
    assert.ok(statSync(join(render, 'simple')).isDirectory());
  });
});
