// uv through the gated index, without uv (it cannot be installed here). What uv sends and reads is
// taken from its source (crates/uv-client/src/registry_client.rs: `MediaType::pypi()` for every
// index, `MediaType::all()` for a pyx index; base_client.rs: `uv/VERSION {linehaul JSON}` as
// User-Agent; crates/uv-pypi-types/src/simple_json.rs: what a file entry must hold). The pages
// answer uv's exact request in a media type uv parses, with file entries uv deserialises, and a
// uv.lock written against the gated index (uv's format, revision 3) reads back with our reader
// into the graph uv would install, whose file URLs the index serves or refuses as the policy says.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readLock } from '../../src/lock/read.js';
import { parseTarget } from '../../src/pep/environment.js';
import type { FakeFile } from '../support/fake-index.js';
import { postStatements, review, reviewer, sha256, startInProcess, tempDir, writePolicy, writeWheels, type InProcess } from './support.js';

/** uv's `MediaType::pypi()`: what it sends to every index that is not pyx. */
const UV_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
/** uv's `MediaType::all()`: what it sends to a pyx index (a server that does not know pyx ignores it). */
const UV_ACCEPT_ALL = 'application/vnd.pyx.simple.v1+msgpack, application/vnd.pyx.simple.v1+json;q=0.9, application/vnd.pypi.simple.v1+json;q=0.8, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
/** The media types uv parses (`MediaType::from_str`); any other Content-Type is an error in uv. */
const UV_MEDIA_TYPES = ['application/vnd.pyx.simple.v1+msgpack', 'application/vnd.pyx.simple.v1+json', 'application/vnd.pypi.simple.v1+json', 'application/vnd.pypi.simple.v1+html', 'text/html'];
/** uv's User-Agent: `uv/VERSION` and the linehaul JSON (crates/uv-client/src/linehaul.rs). */
const UV_USER_AGENT =
  'uv/0.9.5 {"installer":{"name":"uv","version":"0.9.5","subcommand":["lock"]},"python":"3.12.3","implementation":{"name":"CPython","version":"3.12.3"},"distro":{"name":"Debian GNU/Linux","version":"12","id":"bookworm","libc":{"lib":"glibc","version":"2.36"}},"system":{"name":"Linux","release":"6.1.0-18-amd64"},"cpu":"x86_64","openssl_version":null,"setuptools_version":null,"rustc_version":null,"ci":null}';
const UV_HEADERS = { Accept: UV_ACCEPT, 'User-Agent': UV_USER_AGENT, 'Accept-Encoding': 'gzip, deflate, zstd' };

/** A file entry as uv's `PypiFile` deserialiser takes it: these fields, of these types. */
function assertUvFile(file: Record<string, unknown>, at: string): void {
  assert.equal(typeof file['filename'], 'string', `${at}.filename`);
  assert.equal(typeof file['url'], 'string', `${at}.url`);
  const hashes = file['hashes'];
  assert.ok(typeof hashes === 'object' && hashes !== null && !Array.isArray(hashes), `${at}.hashes is a table`);
  for (const [k, v] of Object.entries(hashes)) assert.equal(typeof v, 'string', `${at}.hashes.${k}`);
  // uv reads core-metadata, dist-info-metadata and data-dist-info-metadata as one field (the
  // first one present wins): each must be a bool or a table of hashes.
  for (const key of ['core-metadata', 'dist-info-metadata', 'data-dist-info-metadata']) {
    const v = file[key];
    if (v === undefined) continue;
    assert.ok(typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v)), `${at}.${key}: bool or hashes, not ${JSON.stringify(v)}`);
  }
  const yanked = file['yanked'];
  if (yanked !== undefined) assert.ok(typeof yanked === 'boolean' || typeof yanked === 'string', `${at}.yanked`);
  if (file['requires-python'] !== undefined && file['requires-python'] !== null) assert.equal(typeof file['requires-python'], 'string', `${at}.requires-python`);
  if (file['size'] !== undefined) assert.ok(Number.isInteger(file['size']) && (file['size'] as number) >= 0, `${at}.size`);
  const uploaded = file['upload-time'];
  if (uploaded !== undefined) assert.match(typeof uploaded === 'string' ? uploaded : JSON.stringify(uploaded), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, `${at}.upload-time`);
}

describe('uv through pyvouch serve', () => {
  const dir = tempDir('pyvouch-uv-');
  const upstream = join(dir, 'wheels');
  const alice = reviewer('Alice');
  const wheels = writeWheels(upstream, [
    { name: 'pvutil', version: '1.0' },
    { name: 'pvtop', version: '1.0', spec: { requires: ['pvutil>=1.0'] } },
    { name: 'pvdep', version: '1.0' },
  ]);
  const file = (name: string): FakeFile => wheels.find((w) => w.filename.startsWith(`${name}-`))!;
  const servers: { deny?: InProcess; filter?: InProcess } = {};

  before(async () => {
    const policyPath = writePolicy(dir, alice);
    const storeSpec = join(dir, 'pyvouch.db');
    servers.deny = await startInProcess({ upstream, policyPath, mode: 'deny', storeSpec, token: 'uv-test-token-0123456789' });
    servers.filter = await startInProcess({ upstream, policyPath, mode: 'filter', storeSpec: join(dir, 'filter.db'), token: 'uv-test-token-0123456789' });
    for (const s of [servers.deny, servers.filter]) {
      const posted = await postStatements(s.origin, [review(alice, 'pvutil', '1.0', [file('pvutil')]), review(alice, 'pvtop', '1.0', [file('pvtop')])], 'uv-test-token-0123456789');
      assert.equal(posted.status, 201, JSON.stringify(posted.json));
    }
  });
  after(async () => {
    await servers.deny?.close();
    await servers.filter?.close();
  });

  for (const [label, accept] of [
    ['MediaType::pypi()', UV_ACCEPT],
    ['MediaType::all()', UV_ACCEPT_ALL],
  ] as const) {
    test(`a project page answers uv's Accept (${label}) and User-Agent with JSON uv parses`, async () => {
      const url = `${servers.deny!.origin}/simple/pvtop/`;
      const res = await fetch(url, { headers: { ...UV_HEADERS, Accept: accept } });
      assert.equal(res.status, 200);
      const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
      assert.equal(type, 'application/vnd.pypi.simple.v1+json', 'the type uv ranks first among those the server knows');
      assert.ok(UV_MEDIA_TYPES.includes(type));
      // uv offers gzip, deflate and zstd; anything else (br) it could not decode.
      assert.ok(['', 'gzip', 'deflate', 'zstd'].includes(res.headers.get('content-encoding') ?? ''), `content-encoding ${res.headers.get('content-encoding')}`);
      assert.match(res.headers.get('vary') ?? '', /accept/i, 'caches between uv and the index keep the two formats apart');
      const page = (await res.json()) as { files: Record<string, unknown>[]; meta?: { 'api-version'?: string } };
      assert.match(page.meta?.['api-version'] ?? '', /^1\./);
      assert.equal(page.files.length, 1);
      page.files.forEach((f, i) => assertUvFile(f, `files[${i}]`));
      // uv joins the file URL to the response URL; it must land on the gated file.
      const fileUrl = new URL(String(page.files[0]!['url']), res.url);
      assert.equal(fileUrl.origin, servers.deny!.origin);
      const download = await fetch(fileUrl, { headers: { 'User-Agent': UV_USER_AGENT } });
      assert.equal(download.status, 200);
      assert.equal(sha256(new Uint8Array(await download.arrayBuffer())), (page.files[0]!['hashes'] as Record<string, string>)['sha256']);
    });
  }

  test("uv's request for an untrusted project: deny mode lists it and refuses the file with the reason; filter mode lists nothing", async () => {
    const denyRes = await fetch(`${servers.deny!.origin}/simple/pvdep/`, { headers: UV_HEADERS });
    const denyPage = (await denyRes.json()) as { files: Record<string, unknown>[] };
    assert.equal(denyPage.files.length, 1);
    const refused = await fetch(new URL(String(denyPage.files[0]!['url']), denyRes.url), { headers: { 'User-Agent': UV_USER_AGENT } });
    assert.equal(refused.status, 403);
    // uv prints the status and the body's text of a failed download.
    assert.match(await refused.text(), /pyvouch: pvdep 1\.0 fails the policy/);
    const filterRes = await fetch(`${servers.filter!.origin}/simple/pvdep/`, { headers: UV_HEADERS });
    assert.equal(filterRes.status, 200);
    const filterPage = (await filterRes.json()) as { files: unknown[] };
    assert.deepEqual(filterPage.files, [], 'uv then reports that no version of pvdep satisfies the requirement');
  });

  test('a uv.lock written against the gated index reads back as the graph uv installs, its URLs served as the policy says', async () => {
    const origin = servers.deny!.origin;
    const registry = `${origin}/simple`;
    const entry = (name: string): string => {
      const f = file(name);
      return `{ url = "${origin}/files/${name}/${f.filename}", hash = "sha256:${sha256(f.content)}", size = ${f.content.length}, upload-time = "2026-11-30T12:00:00.000Z" }`;
    };
    // uv's own layout (revision 3): the project as a virtual package, registry packages with the
    // index URL as their source, wheels with URL, hash, size and upload time.
    const uvLock = [
      'version = 1',
      'revision = 3',
      'requires-python = ">=3.11"',
      '',
      '[[package]]',
      'name = "clientapp"',
      'version = "0.1.0"',
      'source = { virtual = "." }',
      'dependencies = [',
      '    { name = "pvdep" },',
      '    { name = "pvtop" },',
      ']',
      '',
      '[package.metadata]',
      'requires-dist = [',
      '    { name = "pvdep" },',
      '    { name = "pvtop" },',
      ']',
      '',
      '[[package]]',
      'name = "pvdep"',
      'version = "1.0"',
      `source = { registry = "${registry}" }`,
      'wheels = [',
      `    ${entry('pvdep')},`,
      ']',
      '',
      '[[package]]',
      'name = "pvtop"',
      'version = "1.0"',
      `source = { registry = "${registry}" }`,
      'dependencies = [',
      '    { name = "pvutil" },',
      ']',
      'wheels = [',
      `    ${entry('pvtop')},`,
      ']',
      '',
      '[[package]]',
      'name = "pvutil"',
      'version = "1.0"',
      `source = { registry = "${registry}" }`,
      'wheels = [',
      `    ${entry('pvutil')},`,
      ']',
      '',
    ].join('\n');
    const pyproject = '[project]\nname = "clientapp"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["pvtop", "pvdep"]\n\n[[tool.uv.index]]\nname = "gated"\nurl = "' + registry + '"\ndefault = true\n';
    const graph = readLock({ path: join(dir, 'uv.lock'), text: uvLock, pyproject }, parseTarget({ python: '3.12', platform: 'linux' }));
    assert.equal(graph.source.format, 'uv.lock');
    assert.deepEqual(
      graph.nodes.map((n) => n.name).sort(),
      ['clientapp', 'pvdep', 'pvtop', 'pvutil'],
    );
    assert.ok(graph.edges.some((e) => e.from === 'pvtop' && e.to === 'pvutil'));
    const verdicts: Record<string, number> = {};
    for (const node of graph.nodes.filter((n) => n.name !== 'clientapp')) {
      assert.equal(node.version, '1.0');
      const [artifact] = node.artifacts;
      assert.equal(artifact?.index, registry, `${node.name} comes from the gated index`);
      assert.equal(artifact?.sha256, sha256(file(node.name).content));
      assert.equal(artifact?.uploadTime, '2026-11-30T12:00:00.000Z');
      const res = await fetch(artifact.url!, { headers: { 'User-Agent': UV_USER_AGENT } });
      verdicts[node.name] = res.status;
      if (res.status === 200) assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), artifact.sha256);
      else await res.body?.cancel();
    }
    // `uv sync` from this lock gets the reviewed files and a 403 for the unreviewed one.
    assert.deepEqual(verdicts, { pvdep: 403, pvtop: 200, pvutil: 200 });
  });
});
