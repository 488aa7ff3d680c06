import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { projectRoot, tempHome, type CliResult } from '../cli/harness.js';

// The loopback server runs in this process, so the CLI must run without blocking its event loop.
function pyvouch(args: readonly string[], opts: { home?: string } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(projectRoot, 'src', 'cli.ts'), ...args], {
    cwd: projectRoot,
    env: { ...process.env, NO_COLOR: '1', NODE_NO_WARNINGS: '1', PYVOUCH_HOME: opts.home ?? tempHome() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
import { audit, flag, serveDirectory, tempDir } from './support.js';

test('feed init, publish, follow, sync and list from the command line', async () => {
  const work = tempDir();
  const dir = join(work, 'acme');
  const init = await pyvouch(['feed', 'init', dir, '--name', 'acme', '--description', 'acme audits', '--timestamp-expiry', '2d', '--format', 'json']);
  assert.equal(init.code, 0, init.stderr);
  const created = JSON.parse(init.stdout) as { rootFile: string; rootFingerprint: string };
  const files = join(work, 'statements.jsonl');
  writeFileSync(files, [audit('requests', '2.32.3'), flag('urllib3', '2.2.1')].map((e) => JSON.stringify(e)).join('\n') + '\n');
  const pub = await pyvouch(['feed', 'publish', dir, files]);
  assert.equal(pub.code, 0, pub.stderr);
  assert.match(pub.stdout, /published 2 statements/);

  const server = await serveDirectory(join(dir, 'repository'));
  try {
    const home = tempHome();
    const follow = await pyvouch(['feed', 'follow', server.url, '--root', created.rootFile, '--name', 'acme', '--criteria-map', 'acme-ok=safe-to-run'], { home });
    assert.equal(follow.code, 0, follow.stderr);
    const sync = await pyvouch(['feed', 'sync', '--format', 'json'], { home });
    assert.equal(sync.code, 0, sync.stderr);
    assert.equal((JSON.parse(sync.stdout) as { imported: number }[])[0]?.imported, 2);
    const list = await pyvouch(['feed', 'list'], { home });
    assert.match(list.stdout, /acme/);
    assert.match(list.stdout, /2 imported/);
    const show = await pyvouch(['show', 'urllib3', '--format', 'json'], { home });
    assert.deepEqual((JSON.parse(show.stdout) as { source?: unknown }[])[0]?.source, { kind: 'feed', name: 'acme' });

    // A second follow under the same name is refused; an unknown feed is FEED_NOT_FOUND.
    assert.match((await pyvouch(['feed', 'follow', server.url, '--root', created.rootFile, '--name', 'acme'], { home })).stderr, /FEED_EXISTS/);
    const missing = await pyvouch(['feed', 'sync', 'nope', '--format', 'json'], { home });
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /FEED_NOT_FOUND/);

    // From the registry: the user's registry names the feed and pins its root fingerprint.
    const home2 = tempHome();
    writeFileSync(join(home2, 'feed-registry.toml'), `[[source]]\nname = "acme"\nurl = "${server.url}"\nroot-fingerprint = "${created.rootFingerprint}"\ndescription = "acme audits"\n`);
    const viaRegistry = await pyvouch(['feed', 'follow', '--from-registry', 'acme'], { home: home2 });
    assert.equal(viaRegistry.code, 0, viaRegistry.stderr);
    assert.equal((await pyvouch(['feed', 'sync', 'acme'], { home: home2 })).code, 0);

    // A registry pinning another fingerprint refuses the root the server offers.
    const home3 = tempHome();
    writeFileSync(join(home3, 'feed-registry.toml'), `[[source]]\nname = "acme"\nurl = "${server.url}"\nroot-fingerprint = "sha256:${'0'.repeat(64)}"\n`);
    const wrong = await pyvouch(['feed', 'follow', '--from-registry', 'acme'], { home: home3 });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /FEED_INVALID/);

    // A publisher re-signing without new statements: followers see a newer timestamp only.
    assert.equal((await pyvouch(['feed', 'publish', dir])).code, 0);
    assert.match((await pyvouch(['feed', 'sync', 'acme'], { home })).stdout, /imported 0 statements from 0 new batches/);
    assert.equal((await pyvouch(['feed', 'rotate', dir, '--role', 'snapshot'])).code, 0);
    assert.match((await pyvouch(['feed', 'sync', 'acme'], { home })).stdout, /root v2/);
  } finally {
    await server.close();
  }
});
