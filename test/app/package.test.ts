// The library as a user gets it: build the package, import it by name from a directory outside
// the tree (node_modules/pyvouch links to it), and run the README's example through checkLock.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the built package runs the README example through checkLock', { timeout: 300_000 }, () => {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
  const user = mkdtempSync(join(tmpdir(), 'pyvouch-user-'));
  try {
    mkdirSync(join(user, 'node_modules'));
    symlinkSync(root, join(user, 'node_modules', 'pyvouch'), 'dir');
    const script = `
      import { checkLock, evaluatePolicy, parsePolicy, suggestReviews, resolve, isPyvouchError } from 'pyvouch';
      const at = (p) => ${JSON.stringify(root)} + p;
      const now = new Date('2026-11-01T00:00:00Z');
      const ok = await checkLock({ lock: at('examples/uv/uv.lock'), policy: at('examples/check/pyvouch.toml'), statements: [at('examples/check/statements')], now, confirm: { mirror: at('examples/check/index') } });
      const bare = await checkLock({ lock: at('examples/uv/uv.lock'), policy: at('examples/check/pyvouch.toml'), now });
      let error;
      try { await checkLock({ lock: at('examples/uv/missing.lock'), policy: at('examples/check/pyvouch.toml'), now }); } catch (e) { error = isPyvouchError(e) ? e.code : 'not a PyvouchError'; }
      console.log(JSON.stringify({
        exports: [typeof evaluatePolicy, typeof parsePolicy, typeof suggestReviews, typeof resolve],
        example: Object.fromEntries(ok.report.nodes.map((n) => [n.name, n.verdict])),
        bare: Object.fromEntries(bare.report.nodes.map((n) => [n.name, n.verdict])),
        error,
      }));
    `;
    writeFileSync(join(user, 'run.mjs'), script);
    const r = spawnSync(process.execPath, ['run.mjs'], { cwd: user, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { exports: string[]; example: Record<string, string>; bare: Record<string, string>; error: string };
    assert.deepEqual(out.exports, ['function', 'function', 'function', 'function']);
    const verdicts = Object.values(out.example);
    // The README: the example shows passing packages, one exempt and one failing.
    assert.ok(verdicts.includes('pass'), JSON.stringify(out.example));
    assert.ok(verdicts.includes('fail'), JSON.stringify(out.example));
    assert.ok(verdicts.includes('exempt'), JSON.stringify(out.example));
    // Without the statements fewer packages pass: the passes came from the signed statements.
    const passes = (v: Record<string, string>): number => Object.values(v).filter((x) => x === 'pass').length;
    assert.ok(passes(out.bare) < passes(out.example), JSON.stringify(out));
    // A missing lock file is a PyvouchError with a code, as documented.
    assert.match(out.error, /^[A-Z_]+$/);
  } finally {
    rmSync(user, { recursive: true, force: true });
  }
});
