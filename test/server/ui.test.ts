// The web UI (/ui/) and its graph endpoint (POST /api/graph): headers and limits over plain HTTP,
// then the page itself in Debian's headless Chromium driven by playwright-core, over an in-process
// server in front of the fake index, with one package reviewed (passes) and one flagged (fails).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { UI_CSP } from '../../src/server/ui.js';
import { startFakeIndex, wheelFile, type FakeIndex } from '../support/fake-index.js';
import { virtualUvLock } from '../support/uv-lock.js';
import { flag, postStatements, projectRoot, review, reviewer, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const alice = reviewer('Alice');
const good = wheelFile('goodpkg', '1.0', { requires: ['evilpkg'] });
const evil = wheelFile('evilpkg', '1.0');
// Upstream's yank reason is free text anyone publishing there controls.
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const evilOld = { ...wheelFile('evilpkg', '0.9'), yanked: HOSTILE };

/** A uv.lock of a virtual project requiring goodpkg, which requires evilpkg, at the index's files. */
const uvLock = (indexUrl: string): string =>
  virtualUvLock(indexUrl, ['goodpkg'], [
    { name: 'evilpkg', version: '1.0', file: evil },
    { name: 'goodpkg', version: '1.0', file: good, dependencies: ['evilpkg'] },
  ]);

/** test-output/ (git-ignored), where the screenshots are kept for people to look at. */
function outputDir(): string {
  const dir = join(projectRoot, 'test-output');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The answer of POST /api/graph (src/server/ui.ts) as these tests read it: a graph, or `error`. */
interface GraphNodeJson {
  name: string;
  state: string;
  path: string[];
  report: { missing: { message: string }[]; contributions: { party: string }[] };
}
interface GraphAnswer {
  passed: boolean;
  source: { format: string; path: string };
  nodes: GraphNodeJson[];
  edges: { from: string; to: string }[];
  layout: { width: number; boxHeight: number };
  diagnostics: { message: string }[];
  error: { code: string; message: string };
}

async function postGraph(origin: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<{ status: number; json: GraphAnswer }> {
  const res = await fetch(`${origin}/api/graph`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? null : JSON.parse(text)) as GraphAnswer };
}

// This project compiles without the DOM types, so page-side functions see the document through
// this small declared shape (functions, not strings: the page's CSP forbids the eval that string
// predicates need; the cast is type-only, so nothing outside the function reaches the page).
interface InPage {
  document: { getElementById(id: string): { textContent: string | null; value: string; innerHTML: string } };
  __pwned?: unknown;
}
describe('web UI', () => {
  let index: FakeIndex;
  let s: InProcess;

  before(async () => {
    index = await startFakeIndex({
      projects: [
        { name: 'goodpkg', files: [good] },
        { name: 'evilpkg', files: [evilOld, evil] },
      ],
    });
    s = await startInProcess({ upstream: index.url, policyPath: writePolicy(tempDir(), alice), mode: 'deny', token: TOKEN });
    const posted = await postStatements(s.origin, [review(alice, 'goodpkg', '1.0', [good]), flag(alice, 'evilpkg', '1.0', [evil])]);
    assert.equal(posted.status, 201, JSON.stringify(posted.json));
    // One refused download, so the decision log has something to show.
    assert.equal((await fetch(`${s.origin}/files/evilpkg/${evil.filename}`)).status, 403);
  });
  after(async () => {
    await s?.close();
    await index?.close();
  });

  describe('over HTTP', () => {
    test('serves the page with a CSP that allows only its own script, and revalidates with its ETag', async () => {
      const res = await fetch(`${s.origin}/ui/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('content-security-policy'), UI_CSP);
      assert.match(UI_CSP, /script-src 'self'(;|$)/);
      assert.doesNotMatch(UI_CSP, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      const html = await res.text();
      assert.match(html, /<script src="app\.js" defer><\/script>/);
      assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, 'no inline script');
      assert.doesNotMatch(html, / style=/, 'no inline style');
      const again = await fetch(`${s.origin}/ui/`, { headers: { 'If-None-Match': res.headers.get('etag')! } });
      assert.equal(again.status, 304);
    });

    test('serves a script that parses, and redirects /ui to /ui/, 404s other paths', async () => {
      const js = await fetch(`${s.origin}/ui/app.js`);
      assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(js.status, 200);
      const source = await js.text();
      assert.doesNotThrow(() => new Script(source, { filename: 'app.js' }));
      assert.equal((await fetch(`${s.origin}/ui/app.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
      const moved = await fetch(`${s.origin}/ui`, { redirect: 'manual' });
      assert.equal(moved.status, 301);
      assert.equal(moved.headers.get('location'), 'ui/');
      assert.equal((await fetch(`${s.origin}/ui/app.js/x`)).status, 404);
      assert.equal((await fetch(`${s.origin}/ui/../../etc/passwd`)).status, 404);
      assert.equal((await fetch(`${s.origin}/ui/`, { method: 'POST' })).status, 405);
    });

    test('POST /api/graph returns the lock file as a graph with each verdict and report', async () => {
      const { status, json } = await postGraph(s.origin, { lock: uvLock(index.url), filename: 'uv.lock', python: '3.12' });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.passed, false);
      assert.equal(json.source.format, 'uv.lock');
      const byName = new Map(json.nodes.map((n) => [n.name, n]));
      assert.equal(byName.get('evilpkg')?.state, 'fail');
      assert.deepEqual(byName.get('evilpkg')?.path, ['demo-app', 'goodpkg', 'evilpkg']);
      assert.match(byName.get('evilpkg')?.report.missing[0]?.message ?? '', /^vetoed: reviewers .* flags it malicious, severity critical$/);
      assert.equal(byName.get('goodpkg')?.state, 'closure-fail');
      assert.equal(byName.get('goodpkg')?.report.contributions[0]?.party, 'reviewers');
      assert.deepEqual(json.edges.map((e) => `${e.from}>${e.to}`).sort(), ['demo-app>goodpkg', 'goodpkg>evilpkg']);
      assert.equal(byName.get('demo-app')?.state, 'exempt', 'the project itself is first-party');
      assert.ok(json.layout.width > 0 && json.layout.boxHeight > 0);
    });

    test('POST /api/graph refuses what is not a JSON lock request, and says what is wrong with a lock', async () => {
      assert.equal((await postGraph(s.origin, { lock: 'x' }, { 'Content-Type': 'text/plain' })).status, 415);
      assert.equal((await postGraph(s.origin, '{not json')).status, 400);
      const missing = await postGraph(s.origin, { filename: 'uv.lock', python: 3 });
      assert.equal(missing.status, 400);
      assert.match(missing.json.error.message, /^'lock' is required: the lock file's text; 'python' must be a string$/);
      const bad = await postGraph(s.origin, { lock: '[[package]]\nname = 3\n', filename: 'uv.lock' });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.code, /^LOCK_/);
      const target = await postGraph(s.origin, { lock: 'six==1.0\n', filename: 'requirements.txt', platform: 'beos' });
      assert.equal(target.status, 400);
      assert.equal(target.json.error.code, 'INVALID_TARGET');
      const big = await postGraph(s.origin, { lock: 'x'.repeat(3 * 1024 * 1024) });
      assert.equal(big.status, 413);
      assert.equal((await fetch(`${s.origin}/api/graph`)).status, 405);
    });

    test('POST /api/graph reads no file on the server: an -r include becomes a diagnostic', async () => {
      const { status, json } = await postGraph(s.origin, { lock: '-r /etc/passwd\ngoodpkg==1.0\n', filename: '/etc/requirements.txt' });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(json.source.path, 'requirements.txt', 'only the base name is kept');
      assert.deepEqual(json.nodes.map((n) => n.name), ['goodpkg']);
      assert.ok(json.diagnostics.some((d) => /'\/etc\/passwd' is included but no file reader was given/.test(d.message)));
    });
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    before(async () => {
      if (!existsSync(CHROMIUM)) {
        assert.fail(`${CHROMIUM} is missing: the web UI is tested in Debian's Chromium; install it with \`apt-get install chromium\``);
      }
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        timeout: 90_000,
      });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(60_000);
      page.on('pageerror', (err) => pageErrors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') pageErrors.push(msg.text());
      });
      page.on('response', (res) => {
        if (res.status() >= 400 && !res.url().includes('/api/')) pageErrors.push(`${res.status()} ${res.url()}`);
      });
    });
    after(async () => {
      // playwright gives the browser a fresh profile in a temporary directory and removes it here.
      await browser?.close();
    });

    test('searching the failing package shows its verdict, what the server does and why', async () => {
      await page.goto(`${s.origin}/ui/`);
      await page.waitForFunction(() => /mode deny/.test((globalThis as unknown as InPage).document.getElementById('status').textContent ?? ''));
      await page.fill('#package-name', 'EvilPkg');
      await page.click('#package-form button[type=submit]');
      const file = page.locator(`.file[data-filename="${evil.filename}"]`);
      await file.waitFor();
      assert.equal(await page.locator('.package h2').textContent(), 'evilpkg');
      assert.equal(await file.getAttribute('data-verdict'), 'fail');
      assert.equal(await file.locator('.badge.fail').textContent(), 'fail');
      assert.equal(await file.locator('.badge.refuse').textContent(), 'download refused (403)');
      assert.match((await file.locator('.summary').textContent()) ?? '', /^pyvouch: evilpkg 1\.0 fails the policy: vetoed: reviewers/);
      assert.match((await file.locator('ul.reasons li').first().textContent()) ?? '', /^vetoed: reviewers \(did:key:.*\) flags it malicious, severity critical$/);
      assert.equal(await page.locator('.release[data-version="1.0"] .badge.unusable').textContent(), 'not usable');

      // Upstream's hostile yank reason is shown as text, and nothing of it ran.
      const old = page.locator(`.file[data-filename="${evilOld.filename}"]`);
      assert.equal(await old.locator('span.muted').textContent(), ` yanked: ${HOSTILE}`);
      assert.match((await old.locator('ul.reasons li').first().textContent()) ?? '', /nobody has reviewed it/);
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.evaluate(() => typeof (globalThis as unknown as InPage).__pwned), 'undefined');
      await page.screenshot({ path: join(outputDir(), 'ui-package.png'), fullPage: true });
    });

    test('the decision log lists the refused download, and filters by verdict', async () => {
      await page.click('nav a[data-view="log"]');
      const row = page.locator('table.log tbody tr').first();
      await row.waitFor();
      assert.equal(await row.getAttribute('data-action'), 'refuse');
      assert.equal(await row.locator('td a').textContent(), 'evilpkg');
      await page.selectOption('#log-verdict', 'pass');
      await page.waitForFunction(() => (globalThis as unknown as InPage).document.getElementById('log-result').textContent === 'No decisions match these filters.');
      await page.selectOption('#log-verdict', 'fail');
      await page.locator('table.log tbody tr[data-verdict="fail"]').first().waitFor();
      assert.equal(await page.locator('table.log tbody tr:not([data-verdict="fail"])').count(), 0);
    });

    test('a lock file loaded into the graph view is drawn by verdict; clicking the failing node explains it', async () => {
      await page.click('nav a[data-view="graph"]');
      await page.setInputFiles('#graph-file', { name: 'uv.lock', mimeType: 'text/plain', buffer: Buffer.from(uvLock(index.url)) });
      await page.waitForFunction(() => (globalThis as unknown as InPage).document.getElementById('graph-lock').value.includes('evilpkg'));
      await page.click('#graph-form button[type=submit]');
      const node = page.locator('#graph-canvas svg g.node[data-name="evilpkg"]');
      await node.waitFor();
      assert.equal(await node.getAttribute('data-verdict'), 'fail');
      assert.equal(await node.locator('text.state').textContent(), '\u2717 fail', 'the verdict is written, not only coloured');
      assert.equal(await page.locator('#graph-canvas g.node[data-name="goodpkg"]').getAttribute('data-verdict'), 'closure-fail');
      assert.match((await page.locator('#graph-summary .headline').textContent()) ?? '', /1 of 3 packages fail the policy/);
      assert.match((await page.locator('#graph-summary').textContent()) ?? '', /1 pass, 1 exempt, 1 fail · 1 of the passing depend on a failing package/);
      assert.doesNotMatch((await page.locator('#graph-summary').textContent()) ?? '', /null|undefined/);

      await node.click();
      const details = page.locator('#graph-details .node-details');
      await details.waitFor();
      assert.equal(await details.locator('.name').textContent(), 'evilpkg');
      assert.equal(await details.locator('.badge').first().textContent(), 'fail');
      assert.match((await details.textContent()) ?? '', /required by demo-app → goodpkg/);
      assert.match((await details.locator('ul.missing li').first().textContent()) ?? '', /^vetoed: reviewers \(did:key:.*\) flags it malicious, severity critical$/);
      assert.equal(await details.locator('p.none').textContent(), 'Nobody vouched for this release.');

      await page.locator('#graph-canvas g.node[data-name="goodpkg"]').click();
      await page.locator('#graph-details .node-details[data-name="goodpkg"]').waitFor();
      assert.equal(await page.locator('#graph-details table.contributions tbody tr td').first().textContent(), 'reviewers');
      assert.match((await page.locator('#graph-details p.closure').textContent()) ?? '', /Depends on a failing package: goodpkg → evilpkg/);

      await node.click();
      await page.screenshot({ path: join(outputDir(), 'ui-graph.png'), fullPage: true });
      assert.deepEqual(pageErrors, [], 'no script errors or CSP violations');

      // The CSP's Trusted Types clause makes any HTML-string sink throw, should the script grow one.
      const sink = await page.evaluate(() => {
        try {
          (globalThis as unknown as InPage).document.getElementById('graph-details').innerHTML = '<i>x</i>';
          return 'assigned';
        } catch (err) {
          return String(err);
        }
      });
      assert.match(sink, /TrustedHTML/);
    });
  });
});
