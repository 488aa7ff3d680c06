// The web UI's diff view (issue 15): /ui/diff/NAME/OLD/NEW shows a failing release's sdist side by
// side with the reviewed one's, its verdict and the `pyvouch certify` command, over an in-process
// deny-mode server in front of the fake index. Over HTTP, then in Chromium from the package view.
// The new release carries hostile text (markup in a module line and in a file name): it must be
// shown as text and run nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { diffReleaseTrees, readReleaseTree } from '../../src/artifact/diff.js';
import { sideBySide } from '../../src/server/ui/diff-view.js';
import { UI_CSP } from '../../src/server/ui.js';
import { buildTarGz, coreMetadata } from '../artifact/archive-builders.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from '../support/fake-index.js';
import { postStatements, projectRoot, review, reviewer, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const alice = reviewer('Alice');
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

async function sdist(version: string, files: Record<string, string>): Promise<FakeFile> {
  const root = `diffpkg-${version}`;
  const entries = [{ name: `${root}/PKG-INFO`, data: coreMetadata('diffpkg', version, [], [], '2.2') }, ...Object.entries(files).map(([name, data]) => ({ name: `${root}/${name}`, data }))];
  return { filename: `${root}.tar.gz`, content: new Uint8Array(await buildTarGz(entries)) };
}

const body = (n: number): string => Array.from({ length: n }, (_, i) => `line_${i} = ${i}`).join('\n') + '\n';

describe('web UI: diff view', () => {
  let index: FakeIndex;
  let s: InProcess;
  let older: FakeFile;
  let newer: FakeFile;

  before(async () => {
    older = await sdist('1.0', { 'diffpkg/__init__.py': body(40), 'diffpkg/gone.py': 'x = 1\n' });
    const changed = body(40).replace('line_20 = 20', `line_20 = "${HOSTILE}"  # exfiltrate`);
    newer = await sdist('1.1', { 'diffpkg/__init__.py': changed, [`diffpkg/${'x'.repeat(3)}<b>new</b>.py`]: 'import os\nos.system("curl evil")\n', 'diffpkg/blob.bin': '\u0000\u0001binary' });
    index = await startFakeIndex({ projects: [{ name: 'diffpkg', files: [older, newer] }] });
    s = await startInProcess({ upstream: index.url, policyPath: writePolicy(tempDir(), alice), mode: 'deny', token: TOKEN });
    const posted = await postStatements(s.origin, [review(alice, 'diffpkg', '1.0', [older])]);
    assert.equal(posted.status, 201);
  });
  after(async () => {
    await s?.close();
    await index?.close();
  });

  describe('over HTTP', () => {
    test('shows both sides, the failing verdict and the certify command, under the UI CSP', async () => {
      const res = await fetch(`${s.origin}/ui/diff/DiffPkg/1.0/1.1`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('content-security-policy'), UI_CSP);
      const html = await res.text();
      assert.match(html, /<section class="verdict" data-allowed="false">/);
      assert.match(html, /pyvouch: diffpkg 1\.1 fails the policy/);
      const command = /<code id="certify-command">([^<]*)<\/code>/.exec(html)?.[1];
      assert.equal(command, `pyvouch certify diffpkg==1.1 --from 1.0 --criteria safe-to-deploy --index ${index.url}`);
      // The counts are diff.ts's own (the same as `pyvouch diff`).
      const expected = diffReleaseTrees(await readReleaseTree(older.content, older.filename), await readReleaseTree(newer.content, newer.filename));
      assert.match(html, new RegExp(`${expected.files.length} files changed, <span class="added">\\+${expected.added}</span> <span class="removed">-${expected.removed}</span>, 1 binary`));
      // The changed line, side by side, escaped; the hostile file name too; nothing raw.
      assert.match(html, /<tr class="changed"><td class="ln">21<\/td><td class="old"><code>line_20 = 20<\/code><\/td><td class="ln">21<\/td><td class="new"><code>line_20 = &quot;&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&quot;  # exfiltrate<\/code><\/td><\/tr>/);
      assert.match(html, /data-path="diffpkg\/xxx&lt;b&gt;new&lt;\/b&gt;\.py" data-change="added"/);
      assert.match(html, /data-path="diffpkg\/gone\.py" data-change="removed"/);
      assert.match(html, /Binary file: listed, not diffed/);
      assert.doesNotMatch(html, /<img|<b>|<script/);
      // Unchanged lines far from the change are folded.
      assert.match(html, /<tr class="gap"><td colspan="4">⋯ 17 unchanged lines<\/td><\/tr>/);
    });

    test('404s what it cannot diff, and says why', async () => {
      for (const [path, why] of [
        ['/ui/diff/diffpkg/0.9/1.1', /no sdist of diffpkg 0\.9/],
        ['/ui/diff/diffpkg/1.0/nope', /'nope' is not a PEP 440 version/],
        ['/ui/diff/-bad-/1.0/1.1', /not a valid project name/],
        ['/ui/diff/diffpkg/1.0', /\/ui\/diff\/NAME\/OLD\/NEW/],
      ] as const) {
        const res = await fetch(`${s.origin}${path}`);
        assert.equal(res.status, 404, path);
        assert.match(await res.text(), why);
      }
    });
  });

  test('refuses to diff bytes that do not match the digest upstream states (502), and shows none of them', async () => {
    index.fault(new URL(index.fileUrl(newer.filename)).pathname, { status: 200, body: await buildTarGz([{ name: 'diffpkg-1.1/evil.py', data: 'swapped\n' }]) });
    // A server of its own: the other has the genuine bytes cached by sha256 already.
    const fresh = await startInProcess({ upstream: index.url, policyPath: writePolicy(tempDir(), alice), mode: 'deny', token: TOKEN });
    try {
      const res = await fetch(`${fresh.origin}/ui/diff/diffpkg/1.0/1.1`);
      assert.equal(res.status, 502);
      const text = await res.text();
      assert.match(text, /does not match|sha256/i);
      assert.doesNotMatch(text, /swapped/);
    } finally {
      index.clearFaults();
      await fresh.close();
    }
  });

  test('side-by-side rows pair a replacement line by line and keep three lines of context', () => {
    const rows = sideBySide('a\nb\nc\nd\ne\nf\ng\nh\ni\n', 'a\nb\nc\nd\nE\nf\ng\nh\ni\nj\n');
    assert.deepEqual(
      rows.map((r) => (r.kind === 'gap' ? `gap ${r.skipped}` : `${r.kind} ${r.old?.n ?? '-'}:${r.old?.text ?? ''} ${r.new?.n ?? '-'}:${r.new?.text ?? ''}`)),
      ['gap 1', 'same 2:b 2:b', 'same 3:c 3:c', 'same 4:d 4:d', 'changed 5:e 5:E', 'same 6:f 6:f', 'same 7:g 7:g', 'same 8:h 8:h', 'same 9:i 9:i', 'added -: 10:j'],
    );
  });

  describe('in Chromium', () => {
    let browser: Browser;
    before(async () => {
      if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: the web UI is tested in Debian's Chromium`);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'], timeout: 20_000 });
    });
    after(async () => {
      await browser?.close();
    });

    test('the failing release links from the package view to its diff, which runs nothing hostile', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.setDefaultTimeout(10_000);
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('response', (r) => {
        if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
      });
      await page.goto(`${s.origin}/ui/#package/diffpkg`);
      const link = page.locator('.release[data-version="1.1"] a.diff-link');
      await link.waitFor();
      assert.equal(await page.locator('.release[data-version="1.0"] a.diff-link').count(), 0, 'a usable release has no diff link');
      await link.click();
      await page.waitForURL(/\/ui\/diff\/diffpkg\/1\.0\/1\.1$/);
      assert.equal(await page.locator('#certify-command').textContent(), `pyvouch certify diffpkg==1.1 --from 1.0 --criteria safe-to-deploy --index ${index.url}`);
      const changed = page.locator('section[data-path="diffpkg/__init__.py"] tr.changed');
      assert.equal(await changed.locator('td.new code').textContent(), `line_20 = "${HOSTILE}"  # exfiltrate`);
      // The stylesheet applied (the page found /ui/app.css from three levels down).
      assert.equal(await page.locator('table.side-by-side').first().evaluate((t) => (globalThis as unknown as { getComputedStyle(e: unknown): { tableLayout: string } }).getComputedStyle(t).tableLayout), 'fixed');
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.evaluate(() => typeof (globalThis as { __pwned?: unknown }).__pwned), 'undefined');
      assert.deepEqual(errors, []);
      mkdirSync(join(projectRoot, 'test-output'), { recursive: true });
      await page.screenshot({ path: join(projectRoot, 'test-output', 'ui-diff.png'), fullPage: true });
      await page.close();
    });
  });
});
