// Runs a command in-process through main(), capturing what it writes: no child process, so these
// tests are fast and see exit codes directly. A few spawned end-to-end tests stay (harness.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

const home = mkdtempSync(join(tmpdir(), 'pyvouch-inproc-'));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries({ PYVOUCH_HOME: home, NO_COLOR: '1', ...env })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const code = await main(['node', 'pyvouch', ...args], {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      color: { stdout: false, stderr: false },
    });
    return { code, stdout, stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
