// `serve --scan` (issue #14): the gated index scans the file it is asked to serve (once per
// sha256) before deciding, and the scanner's findings count like any party's: deny mode refuses a
// hostile sdist a reviewer vouched for, with the finding in the 403's reason.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileScanner } from '../../src/app/scan.js';
import { loadScannerIdentity } from '../../src/scan/identity.js';
import { ScanCache } from '../../src/scan/scan.js';
import { startFakeIndex, type FakeFile, type FakeIndex } from '../support/fake-index.js';
import { PIP_ACCEPT, postStatements, review, reviewer, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from '../server/support.js';
import { sdist, wheel } from './packages.js';

const alice = reviewer('Alice');

describe('serve --scan', () => {
  let index: FakeIndex;
  let hostile: FakeFile;
  let benign: FakeFile;
  let unreadable: FakeFile;
  const servers: InProcess[] = [];
  before(async () => {
    const h = await sdist('acme-widgets', '2.0', { 'setup.py': 'import base64\nexec(base64.b64decode("cHJpbnQoMSk="))\n' });
    hostile = { filename: h.filename, content: h.bytes };
    const b = wheel('acme-widgets', '1.0', { 'acme_widgets/__init__.py': '__version__ = "1.0"\n' });
    benign = { filename: b.filename, content: b.bytes };
    unreadable = { filename: 'acme_widgets-3.0.tar.gz', content: new TextEncoder().encode('not a tarball') };
    index = await startFakeIndex({ projects: [{ name: 'acme-widgets', files: [benign, hostile, unreadable] }] });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await index.close();
  });

  const start = async (scan: boolean, policyText?: string): Promise<InProcess> => {
    const policyPath = writePolicy(tempDir(), alice, `[[party]]\nname = "scanner"\nscanner = true\nweight = -3.0\n`);
    if (policyText !== undefined) writeFileSync(policyPath, policyText);
    const home = mkdtempSync(join(tmpdir(), 'servescan-'));
    const scanner = scan ? new FileScanner({ cache: new ScanCache(join(home, 'scan')) }, await loadScannerIdentity(home)) : undefined;
    const s = await startInProcess({ upstream: index.url, policyPath, mode: 'deny', token: TOKEN, extra: scanner === undefined ? {} : { scanner } });
    servers.push(s);
    // Alice vouches for every file, the hostile one too: only the scanner can tell.
    const { status } = await postStatements(s.origin, [review(alice, 'acme-widgets', '1.0', [benign]), review(alice, 'acme-widgets', '2.0', [hostile]), review(alice, 'acme-widgets', '3.0', [unreadable])]);
    assert.equal(status, 201);
    return s;
  };
  const get = async (url: string) => {
    const res = await fetch(url, { headers: { Accept: PIP_ACCEPT } });
    return { status: res.status, body: await res.text() };
  };

  test('without --scan the reviewed hostile sdist is served', async () => {
    const s = await start(false);
    assert.equal((await get(`${s.origin}/files/acme-widgets/${hostile.filename}`)).status, 200);
  });

  test('deny mode refuses the hostile sdist with the finding in the reason, and serves the benign wheel', async () => {
    const s = await start(true);
    // The project page is decided first (without the file's bytes); its cached decision must not
    // let the download through unscanned.
    assert.equal((await get(`${s.origin}/simple/acme-widgets/`)).status, 200);
    const refused = await get(`${s.origin}/files/acme-widgets/${hostile.filename}`);
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.body, /scanner/);
    assert.match(refused.body, /install-time-code/);
    const again = await get(`${s.origin}/files/acme-widgets/${hostile.filename}`);
    assert.equal(again.status, 403);
    const served = await get(`${s.origin}/files/acme-widgets/${benign.filename}`);
    assert.equal(served.status, 200, served.body);
  });

  test('a veto-findings entry refuses it too', async () => {
    const s = await start(
      true,
      `[policy]\nthreshold = 2.0\ncriteria = "safe-to-deploy"\nveto-findings = ["install-time-code"]\n\n[[party]]\nname = "reviewers"\nidentity = "${alice.did}"\nweight = 2.0\n\n[[party]]\nname = "scanner"\nscanner = true\nweight = 0.0\n`,
    );
    const refused = await get(`${s.origin}/files/acme-widgets/${hostile.filename}`);
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.body, /install-time-code/);
    assert.equal((await get(`${s.origin}/files/acme-widgets/${benign.filename}`)).status, 200);
  });

  test('a file the scanner cannot read is refused (fail closed)', async () => {
    const s = await start(true);
    const refused = await get(`${s.origin}/files/acme-widgets/${unreadable.filename}`);
    assert.equal(refused.status, 403, refused.body);
    assert.match(refused.body, /scanner could not read/);
  });
});
