// `extends`: a project policy built on an organisation's (a path or an https URL); the merge adds,
// never drops, the base's parties and lists; anything unreachable fails closed; `policy show`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml, stringify } from 'smol-toml';
import { isPyvouchError } from '../../src/errors.js';
import { loadPolicy } from '../../src/trust/load.js';
import { parsePolicy } from '../../src/trust/parse.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { effectivePolicyDocument } from '../../src/cli/policy-show.js';
import { NOW, did, graph, node, review } from './helpers.js';
import { pyvouch } from '../cli/harness.js';

const ORG = `[policy]\nthreshold = 2\ncriteria = "safe-to-deploy"\n\n[[party]]\nname = "security"\nidentity = "${did('sec')}"\nweight = 2.0\n\n[[deny]]\nname = "pycrypto"\nreason = "abandoned"\n`;

function tree(child: string, org = ORG): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-extends-'));
  mkdirSync(join(dir, 'org'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'org', 'pyvouch.toml'), org);
  writeFileSync(join(dir, 'app', 'pyvouch.toml'), child);
  return join(dir, 'app', 'pyvouch.toml');
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    return isPyvouchError(err) ? err.code : String(err);
  }
}

test('a project extends the org policy by path: it adds a party and keeps the org deny list', async () => {
  const file = tree(`extends = "../org/pyvouch.toml"\n\n[policy]\nthreshold = 1\n\n[[party]]\nname = "team"\nidentity = "${did('me')}"\nweight = 1.0\n`);
  const p = await loadPolicy(file);
  assert.equal(p.threshold, 1, 'the project sets its own threshold');
  assert.deepEqual(p.parties.map((x) => x.name), ['security', 'team']);
  assert.equal(p.extendsFrom?.length, 1);
  const r = evaluatePolicy(graph([node('pycrypto', '2.6.1'), node('attrs', '25.1.0')]), [review(did('me'), 'pycrypto', '2.6.1'), review(did('me'), 'attrs', '25.1.0')], p, { now: NOW });
  assert.deepEqual(r.nodes.map((n) => [n.name, n.verdict]), [['attrs', 'pass'], ['pycrypto', 'fail']]);
});

test('a missing base policy fails closed (POLICY_EXTENDS), as does a cycle', async () => {
  assert.equal(await code(loadPolicy(tree('extends = "../org/missing.toml"\n[policy]\nthreshold = 1\n'))), 'POLICY_EXTENDS');
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-cycle-'));
  writeFileSync(join(dir, 'a.toml'), 'extends = "b.toml"\n[policy]\nthreshold = 1\n');
  writeFileSync(join(dir, 'b.toml'), 'extends = "a.toml"\n[policy]\nthreshold = 1\n');
  assert.equal(await code(loadPolicy(join(dir, 'a.toml'))), 'POLICY_EXTENDS');
  assert.equal(await code(loadPolicy(tree('extends = "http://example.com/org.toml"\n[policy]\nthreshold = 1\n'))), 'POLICY_EXTENDS', 'plain http to a remote host is refused');
});

test('a policy parsed without its extends resolved is refused, not taken as complete', () => {
  assert.throws(() => parsePolicy({ extends: 'x.toml', policy: { threshold: 1 } }), (e: unknown) => isPyvouchError(e) && e.code === 'POLICY_INVALID');
});

test('extends by URL: served base works; an unreachable or failing URL fails closed', async () => {
  let status = 200;
  const server = createServer((_req, res) => {
    res.statusCode = status;
    res.end(status === 200 ? ORG : 'gone');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const file = tree(`extends = "http://127.0.0.1:${port}/org/pyvouch.toml"\n\n[policy]\nthreshold = 2\n`);
    const p = await loadPolicy(file);
    assert.deepEqual(p.deny?.map((d) => d.name), ['pycrypto']);
    status = 404;
    assert.equal(await code(loadPolicy(file)), 'POLICY_EXTENDS');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  const closed = tree(`extends = "http://127.0.0.1:${port}/org/pyvouch.toml"\n[policy]\nthreshold = 2\n`);
  const { HttpClient } = await import('../../src/simple/http.js');
  assert.equal(await code(loadPolicy(closed, { http: new HttpClient({ retries: 0, timeoutMs: 2000 }) })), 'POLICY_EXTENDS');
});

test('policy show prints the effective policy, which parses back to the same policy', async () => {
  const file = tree(`extends = "../org/pyvouch.toml"\n\n[policy]\nthreshold = 1\nmin-age = "3d"\n\n[[allow]]\nname = "our-sdk"\nreason = "ours"\n`);
  const r = pyvouch(['policy', 'show', '--policy', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /name = "pycrypto"/);
  assert.match(r.stdout, /min-age = "3d"/);
  const p = await loadPolicy(file);
  const doc = effectivePolicyDocument(p);
  delete doc['extended-from'];
  const again = parsePolicy(parseToml(stringify(doc)));
  assert.equal(again.threshold, 1);
  assert.equal(again.minAge, p.minAge);
  assert.deepEqual(again.deny, p.deny);
  assert.deepEqual(again.allow, p.allow);
  assert.deepEqual(again.parties, p.parties);
  const j = pyvouch(['policy', 'show', '--policy', join(file, '..', '..', 'org', 'pyvouch.toml'), '--format', 'json']);
  assert.equal((JSON.parse(j.stdout) as { policy: { threshold: number } }).policy.threshold, 2);
});
