// The renderers of src/render/ called directly on real reports (the bundled example, passing, and
// the same lock without statements, failing): text, JSON, SARIF and HTML.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { checkLock, type CheckResult } from '../../src/app/check.js';
import { checkToJson, renderCheckText, renderSuggestText } from '../../src/render/check.js';
import { renderCheckHtml } from '../../src/render/html.js';
import { checkToSarif, lockLineLocator } from '../../src/render/sarif.js';

const lock = 'examples/uv/uv.lock';
const policy = 'examples/check/pyvouch.toml';
const now = new Date('2026-11-01T00:00:00Z');
let passing: CheckResult;
let failing: CheckResult;

before(async () => {
  passing = await checkLock({ lock, policy, statements: ['examples/check/statements'], now, confirm: { mirror: 'examples/check/index' } });
  failing = await checkLock({ lock, policy, now, confirm: { mirror: 'examples/check/index' } });
});

describe('text', () => {
  test('a failing check names each failing package, the reviews to write and the command to record one', () => {
    const text = renderCheckText(failing, false);
    const fails = failing.report.nodes.filter((n) => n.verdict === 'fail');
    assert.ok(fails.length > 0);
    assert.match(text, new RegExp(`✗ ${fails.length} of \\d+ packages fail the policy`));
    for (const n of fails) assert.ok(text.includes(`✗ ${n.name} ${n.version}`), n.name);
    assert.match(text, /Record a review with: pyvouch review NAME==VERSION .* --lock examples\/uv\/uv.lock/);
    assert.doesNotMatch(text, /\u001b\[/);
  });

  test('colour is only added when asked', () => {
    assert.match(renderCheckText(failing, true), /\u001b\[31m/);
  });

  test('a resolved graph (check -r) is told to bind reviews to a file, not to --lock requirements.in', () => {
    const resolved = { ...failing, graph: { ...failing.graph, source: { format: 'resolver' as const, path: 'requirements.in' } } };
    const text = renderSuggestText(resolved, false);
    assert.doesNotMatch(text, /--lock requirements\.in/);
    assert.match(text, /--file /);
  });

  test('suggest on a passing graph says there is nothing to review', () => {
    const passed = { ...passing, report: { ...passing.report, passed: true } };
    assert.match(renderSuggestText(passed, false), /nothing to review/);
    assert.doesNotMatch(renderSuggestText(passing, false), /nothing to review/);
  });
});

describe('JSON', () => {
  test('carries the verdict, counts, every node with its path and the suggestions', () => {
    const json = checkToJson(failing);
    assert.equal(json.passed, false);
    assert.equal(json.nodes.length, failing.graph.nodes.length);
    assert.equal(json.counts.fail, json.nodes.filter((n) => n.verdict === 'fail').length);
    assert.ok(json.nodes.every((n) => n.path === null || n.path.at(-1) === n.name));
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
    assert.equal(checkToJson(passing).passed, passing.report.passed);
  });
});

describe('SARIF', () => {
  test('one result per failing package, located on its line of the lock file', () => {
    const text = readFileSync(lock, 'utf8');
    const sarif = checkToSarif(failing, { toolVersion: '0.0.0-test', locate: lockLineLocator(text) }) as {
      version: string;
      runs: { results: { ruleId: string; locations?: { physicalLocation: { region?: { startLine: number } } }[] }[] }[];
    };
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0]?.results ?? [];
    assert.equal(results.length, failing.report.nodes.filter((n) => n.verdict === 'fail').length);
    const lines = text.split('\n');
    for (const r of results) {
      const line = r.locations?.[0]?.physicalLocation.region?.startLine;
      if (line !== undefined) assert.ok((lines[line - 1] ?? '').length > 0);
    }
  });
});

describe('HTML', () => {
  test('one self-contained page naming every package, with no script from elsewhere', () => {
    const html = renderCheckHtml(failing);
    assert.match(html, /^<!doctype html>/i);
    for (const n of failing.graph.nodes) assert.ok(html.includes(n.name), n.name);
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href="http/i);
  });
});
