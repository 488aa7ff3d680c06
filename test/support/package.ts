// Builds the package as `npm pack` would publish it, without touching the working tree's dist/:
// compile into a staging directory with the package's files (package.json, README, docs,
// examples), copy the assets, and pack it there. Tests then install the tarball like a user.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function must(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A fresh build of the package's files in a directory of its own. */
export function stagePackage(): string {
  const stage = mkdtempSync(join(tmpdir(), 'pyvouch-stage-'));
  for (const f of ['package.json', 'README.md']) cpSync(join(repoRoot, f), join(stage, f));
  for (const d of ['docs', 'examples']) cpSync(join(repoRoot, d), join(stage, d), { recursive: true });
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  must(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], repoRoot);
  // As `npm run build`: the library from tsc, the executables bundled over it, then the assets.
  must(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs'), join(stage, 'dist')], repoRoot);
  must(process.execPath, [join(repoRoot, 'scripts', 'copy-assets.mjs'), join(stage, 'dist')], repoRoot);
  return stage;
}

/** The path of a freshly packed pyvouch-VERSION.tgz. */
export function packPackage(): string {
  const stage = stagePackage();
  // The staging directory was built above: the prepack build is not needed again.
  must('npm', ['pack', '--ignore-scripts', '--pack-destination', stage], stage);
  const tgz = readdirSync(stage).find((f) => f.endsWith('.tgz'));
  if (tgz === undefined) throw new Error('npm pack wrote no tarball');
  return join(stage, tgz);
}

/** Installs a tarball into a new empty project directory, as `npm install ./pyvouch.tgz` does. */
export function installPackage(tgz: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-installed-'));
  must('npm', ['init', '-y'], dir);
  must('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tgz], dir);
  return dir;
}
