// Runs the real CLI entry point (from source, through tsx) in a child process, as a user would,
// with PYVOUCH_HOME pointing at a throwaway directory and colour off.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliEntry = join(projectRoot, 'src', 'cli.ts');
// By URL, so the CLI also runs from a working directory outside the project.
export const tsxLoader = import.meta.resolve('tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempHome(prefix = 'pyvouch-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function pyvouch(args: readonly string[], opts: { home?: string; cwd?: string; env?: Record<string, string>; input?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, ['--import', tsxLoader, cliEntry, ...args], {
    cwd: opts.cwd ?? projectRoot,
    encoding: 'utf8',
    input: opts.input ?? '',
    env: {
      ...process.env,
      NO_COLOR: '1',
      NODE_NO_WARNINGS: '1',
      PYVOUCH_HOME: opts.home ?? tempHome(),
      ...opts.env,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
