// `pyvouch serve --workers 2` (node:cluster): every worker serves; a statement, a policy reload
// (POST or SIGHUP) at any worker reaches all of them before it is acknowledged; a worker killed
// with SIGKILL is replaced; SIGTERM drains a request in flight and exits 0 with no worker left
// alive; a primary killed with SIGKILL leaves no worker behind either.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { policyText, review, reviewer, tempDir, writePolicy, writeWheels } from './support.js';
import { alive, eventually, httpGet, post, spawnServeChild, type ServeChild } from './scale-support.js';

const alice = reviewer('Alice');
const dir = tempDir('pyvouch-cluster-');
const upstream = join(dir, 'wheels');
const [wheel] = writeWheels(upstream, [{ name: 'demo', version: '1.0' }]);
const policy = writePolicy(dir, alice);
const fileUrl = (origin: string): string => `${origin}/files/demo/${wheel!.filename}`;

function args(store: string): string[] {
  return ['--upstream', upstream, '--policy', policy, '--store', store, '--mode', 'deny', '--cache-dir', join(dir, 'cache'), '--workers', '2', '--listen', '127.0.0.1:0'];
}

function workerPids(server: ServeChild): number[] {
  return server.log().filter((l) => l['message'] === 'worker listening').map((l) => l['pid'] as number);
}

/** The status of `n` downloads, each on a new connection (so the cluster spreads them). */
async function statuses(origin: string, n = 12): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await httpGet(fileUrl(origin))).status);
  return out;
}

/** The pids that answered `n` readiness checks on new connections. */
async function answering(origin: string, n = 12): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < n; i++) pids.add((JSON.parse((await httpGet(`${origin}/readyz`)).body) as { process: { pid: number } }).process.pid);
  return pids;
}

describe('pyvouch serve --workers 2', () => {
  const started: ServeChild[] = [];
  after(async () => {
    for (const s of started) await s.kill();
  });

  test('every worker serves, and statements and policy reloads at one worker reach all of them', async () => {
    const server = await spawnServeChild(args(join(dir, 'a.db')));
    started.push(server);
    await server.waitForLog(() => workerPids(server).length === 2);
    const pids = workerPids(server);
    assert.deepEqual([...(await answering(server.origin))].sort(), [...pids].sort(), 'requests reach both workers');
    assert.ok((await statuses(server.origin)).every((s) => s === 403), 'nobody reviewed demo 1.0 yet');

    // A review stored through one worker: every worker allows at once after the 201.
    const stored = await post(`${server.origin}/statements`, review(alice, 'demo', '1.0', [wheel!]));
    assert.equal(stored.status, 201);
    assert.deepEqual(new Set(await statuses(server.origin)), new Set([200]));

    // A stricter policy reloaded at one worker: every worker refuses once the reload answered.
    writeFileSync(policy, policyText(alice).replace('threshold = 2.0', 'threshold = 4.0'));
    const reloaded = await post(`${server.origin}/policy/reload`, {});
    assert.equal(reloaded.status, 200);
    assert.deepEqual(new Set(await statuses(server.origin)), new Set([403]));

    // SIGHUP to the primary reaches every worker.
    writeFileSync(policy, policyText(alice));
    const reloads = (): number => server.log().filter((l) => l['message'] === 'policy reloaded').length;
    const before = reloads();
    server.signal('SIGHUP');
    await eventually('both workers reloaded on SIGHUP', () => reloads() >= before + 2);
    assert.deepEqual(new Set(await statuses(server.origin)), new Set([200]));

    // A worker killed with SIGKILL is replaced, and the index goes on answering.
    process.kill(pids[0]!, 'SIGKILL');
    await server.waitForLog((l) => l['message'] === 'worker died; starting another');
    await eventually('a replacement worker listens', () => workerPids(server).length === 3);
    const now = workerPids(server).filter((pid) => alive(pid));
    assert.equal(now.length, 2);
    assert.ok(!now.includes(pids[0]!));
    assert.deepEqual([...(await answering(server.origin, 16))].sort(), [...now].sort());

    // SIGTERM: exit 0, and no worker outlives the primary.
    server.signal('SIGTERM');
    const { code } = await server.exited;
    assert.equal(code, 0);
    for (const pid of [...pids, ...now]) assert.equal(alive(pid), false, `worker ${pid} outlived the primary`);
  });

  test('SIGTERM lets a request in flight finish before the workers stop', async () => {
    const server = await spawnServeChild(args(join(dir, 'b.db')));
    started.push(server);
    await server.waitForLog(() => workerPids(server).length === 2);
    const pids = workerPids(server);
    const body = JSON.stringify(review(alice, 'demo', '1.0', [wheel!]));
    const { port } = new URL(server.origin);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8').on('data', (c: string) => (answer += c));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const cut = Math.floor(body.length / 2);
    socket.write(`POST /statements HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-admin-token-0123456789\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, cut)}`);
    // The request is under way when the stop arrives; its second half comes after.
    await new Promise((r) => setTimeout(r, 300));
    server.signal('SIGTERM');
    await server.waitForLog((l) => l['message'] === 'stopping' && l['signal'] === 'primary');
    socket.write(body.slice(cut));
    await closed;
    assert.match(answer, /^HTTP\/1\.1 201 /, server.stderr());
    const { code } = await server.exited;
    assert.equal(code, 0);
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} outlived the primary`);
  });

  test('a primary killed with SIGKILL leaves no worker behind', async () => {
    const server = await spawnServeChild(args(join(dir, 'c.db')));
    started.push(server);
    await server.waitForLog(() => workerPids(server).length === 2);
    const pids = workerPids(server);
    await server.kill();
    // The workers see their IPC channel close and exit; this waits for that, bounded.
    await eventually('workers of a killed primary exit', () => pids.every((pid) => !alive(pid)));
  });

  test('the first workers failing to start stop the primary with their exit code', async () => {
    const taken = await spawnServeChild(['--upstream', upstream, '--policy', policy, '--store', join(dir, 'd.db'), '--listen', '127.0.0.1:0']);
    started.push(taken);
    const { port } = new URL(taken.origin);
    const failing = await spawnServeChild([...args(join(dir, 'e.db')).slice(0, -1), `127.0.0.1:${port}`]).then(
      () => assert.fail('a second server listened on a taken port'),
      (err: Error) => err,
    );
    assert.match(failing.message, /exited with 2 before listening/);
    assert.match(failing.message, /cannot listen on 127\.0\.0\.1:/);
  });
});
