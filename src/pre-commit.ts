#!/usr/bin/env node
// `pyvouch-pre-commit`: the entry of the pre-commit hook (.pre-commit-hooks.yaml). pre-commit runs
// `entry args... FILES...`; each changed lock file is checked on its own with `pyvouch check`
// (which reads one lock at a time), and the worst exit code wins: 2 over 1 over 0.
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The lock files the hook is for; the same list as `files:` in .pre-commit-hooks.yaml. */
export const LOCK_FILE = /^(uv\.lock|poetry\.lock|pdm\.lock|Pipfile\.lock|pylock(\.[^/]+)?\.toml|requirements[^/]*\.txt)$/;

/** Splits pre-commit's argv into the hook's `args` and the trailing lock files. */
export function splitArgs(argv: readonly string[]): { options: string[]; files: string[] } {
  let i = argv.length;
  while (i > 0 && LOCK_FILE.test(basename(argv[i - 1]!))) i--;
  return { options: argv.slice(0, i), files: argv.slice(i) };
}

function runHook(argv: readonly string[]): number {
  const { options, files } = splitArgs(argv);
  if (files.length === 0) {
    process.stderr.write('pyvouch-pre-commit: no lock file among the arguments; nothing to check\n');
    return 0;
  }
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  let worst = 0;
  for (const file of files) {
    const r = spawnSync(process.execPath, [cli, 'check', file, ...options], { stdio: 'inherit' });
    const code = r.status ?? 2;
    worst = code === 2 || worst === 2 ? 2 : Math.max(worst, code);
  }
  return worst;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = runHook(process.argv.slice(2));
}
