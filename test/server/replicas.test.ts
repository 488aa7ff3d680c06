// Three `pyvouch serve` replicas on one PostgreSQL store agree: a statement or a retraction posted
// to one changes the next decision on the others. Then nginx, configured with exactly the text of
// docs/deploy.md, in front of them with static fronting (--render-to, --accel-dir): a refusal is
// never served from the rendered pages once a review's 201 arrived, an allow never once a veto's
// did, file bytes leave through X-Accel-Redirect only, the internal location is closed to clients,
// and a replica killed with SIGKILL costs no client request.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import { dropPostgresSchema, flag, minuteAgo, PIP_ACCEPT, postgresSpec, projectRoot, review, reviewer, tempDir, writePolicy, writeWheels } from './support.js';
import { alive, eventually, httpGet, nginxPath, post, spawnServeChild, type ServeChild } from './scale-support.js';
import { freePort } from '../support/listening.js';

const alice = reviewer('Alice');
const dir = tempDir('pyvouch-replicas-');
// nginx's workers run as another user when the test runs as root: they must be able to read.
chmodSync(dir, 0o755);
const upstream = join(dir, 'wheels');
const files = writeWheels(
  upstream,
  Array.from({ length: 4 }, (_, i) => ({ name: 'shared', version: `1.${i}` })),
);
const policy = writePolicy(dir, alice);
const pages = join(dir, 'pages');
const accel = join(dir, 'accel');
const pgTarget = postgresSpec();
const nginx = nginxPath();

function fileUrl(origin: string, i: number): string {
  return `${origin}/files/shared/${files[i]!.filename}`;
}

async function listed(origin: string): Promise<string[]> {
  const res = await httpGet(`${origin}/simple/shared/`, { Accept: PIP_ACCEPT });
  assert.equal(res.status, 200, res.body);
  return (JSON.parse(res.body) as { files: { filename: string }[] }).files.map((f) => f.filename).sort();
}

/** The nginx configuration of docs/deploy.md with this test's ports and directories. */
function deployConfig(listen: number, replicas: readonly number[]): string {
  const doc = readFileSync(join(projectRoot, 'docs', 'deploy.md'), 'utf8');
  const m = /<!-- nginx-config:start -->\n```nginx\n([\s\S]*?)```\n<!-- nginx-config:end -->/.exec(doc);
  assert.ok(m !== null, 'docs/deploy.md has the nginx configuration between its markers');
  let text = m[1]!;
  for (const [i, port] of replicas.entries()) text = text.replace(`server 127.0.0.1:870${i + 1} `, `server 127.0.0.1:${port} `);
  text = text.replace('listen 127.0.0.1:8700;', `listen 127.0.0.1:${listen};`);
  text = text.replace('root /var/lib/pyvouch/pages;', `root ${pages};`);
  text = text.replace('alias /var/cache/pyvouch/files/;', `alias ${accel}/;`);
  assert.ok(!/870[0-3]|\/var\//.test(text.replace(/^#.*$/gm, '')), 'every placeholder was replaced');
  return text;
}

function startNginx(config: string): { child: ChildProcess; stop(): Promise<void> } {
  const root = join(dir, 'nginx');
  mkdirSync(join(root, 'logs'), { recursive: true });
  const file = join(root, 'nginx.conf');
  writeFileSync(
    file,
    [
      'daemon off;',
      'master_process on;',
      'worker_processes 1;',
      `pid ${join(root, 'nginx.pid')};`,
      `error_log ${join(root, 'logs', 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(root, 'body')};`,
      `  proxy_temp_path ${join(root, 'proxy')};`,
      `  fastcgi_temp_path ${join(root, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(root, 'uwsgi')};`,
      `  scgi_temp_path ${join(root, 'scgi')};`,
      config,
      '}',
    ].join('\n'),
  );
  const child = spawn(nginx!, ['-p', root, '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    if (stderr !== '') process.stderr.write(`nginx: ${stderr}\n`);
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

describe('replicas on one PostgreSQL store', { skip: pgTarget.url === undefined ? 'PYVOUCH_TEST_POSTGRES=skip' : false }, () => {
  const replicas: ServeChild[] = [];
  const ports: number[] = [];
  after(async () => {
    for (const r of replicas) await r.kill();
    await dropPostgresSchema(pgTarget);
  });

  before(async () => {
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    // One at a time: the first one migrates the schema.
    for (const port of ports) {
      const args = ['--upstream', upstream, '--policy', policy, '--store', pgTarget.spec, '--mode', 'filter', '--cache-dir', join(dir, `cache-${port}`), '--render-to', pages, '--accel-dir', accel, '--decision-ttl', '2', '--upstream-ttl', '2', '--listen', `127.0.0.1:${port}`];
      replicas.push(await spawnServeChild(args, { PYVOUCH_HOME: join(dir, `home-${port}`) }));
    }
  });

  test('each replica is alive and ready, and says why', async () => {
    for (const r of replicas) {
      assert.equal((await httpGet(`${r.origin}/healthz`)).status, 200);
      const ready = await httpGet(`${r.origin}/readyz`);
      assert.equal(ready.status, 200, ready.body);
      const body = JSON.parse(ready.body) as { ready: boolean; checks: Record<string, { ok: boolean }> };
      assert.equal(body.ready, true);
      assert.deepEqual(Object.keys(body.checks).sort(), ['draining', 'policy', 'store', 'upstream']);
    }
  });

  test('a statement or retraction posted to one replica changes the next decision on the others', async () => {
    const [a, b, c] = replicas as [ServeChild, ServeChild, ServeChild];
    for (const r of [a, b, c]) assert.equal((await httpGet(fileUrl(r.origin, 0))).status, 403);
    const stored = await post(`${a.origin}/statements`, review(alice, 'shared', '1.0', [files[0]!]));
    assert.equal(stored.status, 201);
    const reviewId = (JSON.parse(stored.body) as { ids: string[] }).ids[0]!;
    for (const r of [b, c]) assert.equal((await httpGet(fileUrl(r.origin, 0))).status, 200, 'the next download on another replica is allowed');

    const retraction = signStatement(
      buildStatement({ kind: 'retract', agent: { did: alice.did, name: 'Alice' }, retracts: [reviewId], description: 'reviewed the wrong file', startTime: minuteAgo() }),
      alice,
    );
    assert.equal((await post(`${b.origin}/statements`, retraction)).status, 201);
    for (const r of [a, c]) assert.equal((await httpGet(fileUrl(r.origin, 0))).status, 403, 'the retraction holds on every replica at once');

    assert.equal((await post(`${c.origin}/statements`, review(alice, 'shared', '1.1', [files[1]!]))).status, 201);
    assert.equal((await post(`${a.origin}/statements`, flag(alice, 'shared', '1.1', [files[1]!]))).status, 201);
    for (const r of [b, c]) assert.equal((await httpGet(fileUrl(r.origin, 1))).status, 403, 'a veto at one replica refuses the next download on the others');
  });

  describe('behind nginx configured as docs/deploy.md says', { skip: nginx === undefined ? 'nginx is not installed' : false }, () => {
    let front: ReturnType<typeof startNginx>;
    let origin = '';
    before(async () => {
      const port = await freePort();
      front = startNginx(deployConfig(port, ports));
      origin = `http://127.0.0.1:${port}`;
      await eventually('nginx answers', async () => (await httpGet(`${origin}/healthz`).catch(() => ({ status: 0 }))).status === 200);
    });
    after(async () => front.stop());

    test('a page is rendered once asked for and then served by nginx from the rendered files', async () => {
      // 1.0 was retracted and 1.1 vetoed above; nothing else was reviewed.
      assert.deepEqual(await listed(origin), []);
      await eventually('the page is rendered', () => {
        try {
          readFileSync(join(pages, 'simple', 'shared', 'index.v1_json'));
          return true;
        } catch {
          return false;
        }
      });
      const res = await httpGet(`${origin}/simple/shared/`, { Accept: PIP_ACCEPT });
      assert.equal(res.headers['content-type'], 'application/vnd.pypi.simple.v1+json');
      assert.equal(res.headers['vary'], 'Accept');
      assert.equal(res.body, readFileSync(join(pages, 'simple', 'shared', 'index.v1_json'), 'utf8'));
      const html = await httpGet(`${origin}/simple/shared/`, { Accept: 'text/html' });
      assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(html.body, readFileSync(join(pages, 'simple', 'shared', 'index.html'), 'utf8'));
      // A query goes to pyvouch, which negotiates it.
      const query = await httpGet(`${origin}/simple/shared/?format=application/vnd.pypi.simple.v1%2Bhtml`);
      assert.equal(query.headers['content-type'], 'application/vnd.pypi.simple.v1+html');
    });

    test('after the 201 of a review, nginx serves the page listing the file, and its bytes through X-Accel-Redirect', async () => {
      assert.equal((await httpGet(fileUrl(origin, 2))).status, 403);
      assert.equal((await post(`${origin}/statements`, review(alice, 'shared', '1.2', [files[2]!]))).status, 201);
      assert.deepEqual(await listed(origin), [files[2]!.filename]);
      const res = await httpGet(fileUrl(origin, 2));
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-accel-redirect'], undefined, 'nginx consumes the header');
      const sha = createHash('sha256').update(files[2]!.content).digest('hex');
      assert.equal(Number(res.headers['content-length']), files[2]!.content.length);
      const bytes = Buffer.from(await (await fetch(fileUrl(origin, 2))).arrayBuffer());
      assert.equal(createHash('sha256').update(bytes).digest('hex'), sha);
      assert.ok(existsSync(join(accel, sha.slice(0, 2), sha.slice(2))), 'nginx sent it from the checked file store');
      // The location nginx serves the bytes from is closed to clients.
      assert.equal((await httpGet(`${origin}/_pyvouch/files/${sha.slice(0, 2)}/${sha.slice(2)}`)).status, 404);
    });

    test('after the 201 of a veto at any replica, nginx serves neither the file nor a page listing it', async () => {
      // Straight to one replica, not through nginx: the page in the shared directory is rewritten all the same.
      assert.equal((await post(`${replicas[1]!.origin}/statements`, flag(alice, 'shared', '1.2', [files[2]!]))).status, 201);
      assert.deepEqual(await listed(origin), []);
      assert.equal((await httpGet(fileUrl(origin, 2))).status, 403);
    });

    test('a replica killed with SIGKILL costs no request: nginx asks the next one', async () => {
      assert.equal((await post(`${origin}/statements`, review(alice, 'shared', '1.3', [files[3]!]))).status, 201);
      const victim = replicas[0]!;
      await victim.kill();
      assert.equal(alive(victim.pid), false);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        statuses.push((await httpGet(fileUrl(origin, 3))).status);
        statuses.push((await httpGet(`${origin}/simple/shared/?format=application/vnd.pypi.simple.v1%2Bjson`)).status);
      }
      assert.deepEqual(new Set(statuses), new Set([200]));
    });
  });
});
