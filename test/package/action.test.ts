// The GitHub Action (action.yml, composite), run step by step the way the runner does: inputs and
// step outputs substituted into `${{ }}` expressions, `if:` conditions evaluated, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, `uses:` steps recorded instead of run. The action's checkout is a
// fresh build of the package (no npm ci needed), as install.sh finds it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { repoRoot, stagePackage } from '../support/package.js';

interface Step { name?: string; id?: string; if?: string; run?: string; uses?: string; with?: Record<string, string>; env?: Record<string, string> }
interface Action { inputs: Record<string, { default?: string; required?: boolean }>; runs: { using: string; steps: Step[] } }

const hasYaml = spawnSync('/usr/bin/python3', ['-c', 'import yaml']).status === 0;

function readAction(): Action {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(repoRoot, 'action.yml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Action;
}

/** The subset of GitHub's expression language action.yml uses. */
function evaluate(expr: string, ctx: { inputs: Record<string, string>; steps: Record<string, Record<string, string>> }): string | boolean {
  const value = (term: string): string | boolean => {
    const t = term.trim();
    if (t === 'always()') return true;
    const lit = /^'(.*)'$/.exec(t);
    if (lit) return lit[1]!;
    const input = /^inputs\.([\w-]+)$/.exec(t);
    if (input) return ctx.inputs[input[1]!] ?? '';
    const out = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(t);
    if (out) return ctx.steps[out[1]!]?.[out[2]!] ?? '';
    throw new Error(`expression not understood by the test runner: ${t}`);
  };
  const parts = expr.split('&&');
  if (parts.length === 1 && !/==|!=/.test(expr)) return value(expr);
  return parts.every((part) => {
    const cmp = /^(.*?)(==|!=)(.*)$/.exec(part);
    if (!cmp) return value(part) === true || (typeof value(part) === 'string' && value(part) !== '');
    const eq = value(cmp[1]!) === value(cmp[3]!);
    return cmp[2] === '==' ? eq : !eq;
  });
}

function substitute(text: string, ctx: Parameters<typeof evaluate>[1]): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e, ctx)));
}

interface RunResult { failed: boolean; steps: Record<string, Record<string, string>>; summary: string; uploads: Record<string, string>[]; log: string }

function runAction(action: Action, actionPath: string, workdir: string, given: Record<string, string>): RunResult {
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs)) inputs[k] = given[k] ?? v.default ?? '';
  const ctx = { inputs, steps: {} as Record<string, Record<string, string>> };
  const summaryFile = join(workdir, `summary-${Math.random().toString(36).slice(2)}.md`);
  writeFileSync(summaryFile, '');
  const uploads: Record<string, string>[] = [];
  let failed = false;
  let log = '';
  for (const step of action.runs.steps) {
    if (step.if !== undefined && evaluate(step.if, ctx) !== true) continue;
    if (step.uses !== undefined) {
      uploads.push(Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(v, ctx)])));
      continue;
    }
    const outputFile = join(workdir, `output-${Math.random().toString(36).slice(2)}`);
    writeFileSync(outputFile, '');
    const env: Record<string, string> = { ...(process.env as Record<string, string>), GITHUB_ACTION_PATH: actionPath, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: workdir, CI: 'true' };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(v, ctx);
    const r = spawnSync('bash', ['-e', '-c', substitute(step.run ?? '', ctx)], { cwd: workdir, env, encoding: 'utf8' });
    log += r.stdout + r.stderr;
    if (step.id !== undefined) {
      const outs: Record<string, string> = {};
      for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) outs[line.slice(0, eq)] = line.slice(eq + 1);
      }
      ctx.steps[step.id] = outs;
    }
    if (r.status !== 0) {
      failed = true;
      break;
    }
  }
  return { failed, steps: ctx.steps, summary: readFileSync(summaryFile, 'utf8'), uploads, log };
}

describe('the GitHub Action', { skip: hasYaml ? false : 'python3 yaml (PyYAML) is not installed', timeout: 600_000 }, () => {
  let actionPath = '';
  let workdir = '';
  let action: Action;
  before(() => {
    action = readAction();
    actionPath = stagePackage();
    cpSync(join(repoRoot, 'action.yml'), join(actionPath, 'action.yml'));
    cpSync(join(repoRoot, 'scripts'), join(actionPath, 'scripts'), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(actionPath, 'node_modules'));
    workdir = mkdtempSync(join(tmpdir(), 'pyvouch-action-'));
    cpSync(join(repoRoot, 'examples'), join(workdir, 'examples'), { recursive: true });
  });

  test('is a composite action whose inputs include the lock file', () => {
    assert.equal(action.runs.using, 'composite');
    assert.equal(action.inputs.lock?.required, true);
  });

  test('a policy failure uploads SARIF, writes the report to the job summary and fails the job', () => {
    const r = runAction(action, actionPath, workdir, {
      lock: 'examples/uv/uv.lock',
      policy: 'examples/check/pyvouch.toml',
      statements: 'examples/check/statements',
      args: '--no-db',
    });
    assert.equal(r.failed, true, r.log);
    assert.equal(r.steps.check?.['exit-code'], '1', r.log);
    assert.match(r.summary, /^## ❌ pyvouch: packages of `examples\/uv\/uv\.lock` fail the policy/m);
    assert.match(r.summary, /pyvouch review urllib3==/);
    assert.equal(r.uploads.length, 1);
    const sarifPath = join(workdir, r.uploads[0]!.sarif_file!);
    assert.ok(existsSync(sarifPath));
    const sarif = JSON.parse(readFileSync(sarifPath, 'utf8')) as { version: string; runs: { results: { message: { text: string } }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0]!.results.some((x) => x.message.text.includes('urllib3')));
  });

  test('a passing lock passes the job', () => {
    writeFileSync(join(workdir, 'open.toml'), '[policy]\nthreshold = 0.0\ncriteria = "safe-to-deploy"\n');
    const r = runAction(action, actionPath, workdir, { lock: 'examples/uv/uv.lock', policy: 'open.toml', args: '--no-db', sarif: 'pass.sarif' });
    assert.equal(r.failed, false, r.log);
    assert.equal(r.steps.check?.['exit-code'], '0', r.log);
    assert.match(r.summary, /^## ✅ pyvouch: every package/m);
  });

  test('bad input fails the job without a SARIF upload', () => {
    const r = runAction(action, actionPath, workdir, { lock: 'examples/missing.lock', args: '--no-db', sarif: 'bad.sarif' });
    assert.equal(r.failed, true);
    assert.equal(r.steps.check?.['exit-code'], '2');
    assert.equal(r.uploads.length, 0);
    assert.match(r.summary, /could not check/);
  });
});
