// `pyvouch init [LOCKFILE]`: adopt pyvouch on day one (cargo-vet's `init`). Writes a policy with
// the team's identity as a party and a baseline exemption for every release the lock installs
// today, so `check` passes at once and fails only on what is added or changed afterwards.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateIdentity } from '../attest/keys.js';
import { keyFilePath, readKeyFile, writeKeyFile } from '../attest/keyfile.js';
import { PyvouchError } from '../errors.js';
import { lockedReleases } from '../app/locked.js';
import { pyvouchDirs } from './paths.js';
import { run } from './run.js';
import { currentIo } from './output.js';

const LOCK_NAMES = ['pylock.toml', 'uv.lock', 'poetry.lock', 'requirements.txt'];
export const BASELINE_REASON = 'baseline: installed when pyvouch was adopted';

interface InitOptions {
  pyproject?: boolean;
  output?: string;
  key?: string;
  threshold: string;
  party: string;
  date?: string;
  force?: boolean;
}

export interface BaselineInput {
  identity: string;
  party: string;
  threshold: number;
  date: string;
  lock: string;
  releases: { name: string; version: string }[];
}

const q = (s: string): string => JSON.stringify(s);

/** The policy text `init` writes; `prefix` is "tool.pyvouch." inside pyproject.toml. */
export function baselinePolicyText(input: BaselineInput, prefix = ''): string {
  const lines = [
    `# pyvouch policy written by \`pyvouch init\` on ${input.date} from ${input.lock}.`,
    '# Every release the lock installed that day is exempted as a baseline; new or changed releases',
    '# need reviews (`pyvouch suggest`). `pyvouch prune` drops exemptions no longer needed.',
    `[${prefix}policy]`,
    `threshold = ${Number.isInteger(input.threshold) ? input.threshold.toFixed(1) : String(input.threshold)}`,
    'criteria = "safe-to-deploy"',
    '',
    `[[${prefix}party]]`,
    `name = ${q(input.party)}`,
    `identity = ${q(input.identity)}`,
    'weight = 1.0',
  ];
  for (const r of input.releases) {
    lines.push('', `[[${prefix}exemption]]`, `name = ${q(r.name)}`, `version = ${q(r.version)}`, `reason = ${q(BASELINE_REASON)}`, `baseline = ${input.date}`);
  }
  return `${lines.join('\n')}\n`;
}

function findLock(dir: string): string {
  for (const name of LOCK_NAMES) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new PyvouchError('USAGE', `no lock file in ${dir} (looked for ${LOCK_NAMES.join(', ')})`, { help: 'name it: pyvouch init uv.lock' });
}

async function teamIdentity(keyName: string | undefined): Promise<{ did: string; created: boolean }> {
  const config = pyvouchDirs().config;
  const isPath = keyName !== undefined && keyName.includes('/');
  const path = isPath ? keyName : keyFilePath(config, keyName);
  // An existing key that cannot be read is an error to show, never a reason to make a new one.
  if (existsSync(path)) return { did: (await readKeyFile(path)).did, created: false };
  if (isPath) throw new PyvouchError('IO', `no key file at ${path}`, { file: path, help: 'create one with `pyvouch key new`, or omit --key' });
  const identity = generateIdentity();
  await writeKeyFile(config, identity, keyName === undefined ? {} : { keyName });
  return { did: identity.did, created: true };
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('adopt pyvouch: write a policy that accepts every release the lock installs today as a baseline')
    .argument('[lockfile]', 'the lock file (default: pylock.toml, uv.lock, poetry.lock or requirements.txt here)')
    .option('--pyproject', 'write [tool.pyvouch] into the pyproject.toml beside the lock instead of a pyvouch.toml')
    .option('-o, --output <path>', 'write the policy here (default: pyvouch.toml beside the lock)')
    .option('--key <name>', 'the team identity: a key name under keys/ or a path (created when missing)')
    .option('--party <name>', 'name of the team party', 'team')
    .option('--threshold <n>', 'score a new release needs (the team party weighs 1.0)', '1')
    .option('--date <yyyy-mm-dd>', 'the baseline date (default: today)')
    .option('--force', 'overwrite an existing policy')
    .action(
      run(async (lockArg: string | undefined, opts: InitOptions) => {
        const lock = lockArg ?? findLock(process.cwd());
        const threshold = Number(opts.threshold);
        if (!Number.isFinite(threshold) || threshold < 0) throw new PyvouchError('USAGE', `--threshold '${opts.threshold}' is not a score`, { help: 'e.g. --threshold 1' });
        const date = opts.date ?? new Date().toISOString().slice(0, 10);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) throw new PyvouchError('USAGE', `--date '${date}' is not a date`, { help: 'write it as 2026-12-01' });
        const { nodes } = lockedReleases(lock);
        const releases = [...nodes.values()]
          .filter((n) => n.source?.kind !== 'editable' && n.source?.kind !== 'virtual')
          .map((n) => ({ name: n.name, version: n.version }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
        const identity = await teamIdentity(opts.key);
        if (identity.created) currentIo().stderr(`created a signing key for the team identity ${identity.did}\n`);
        const input: BaselineInput = { identity: identity.did, party: opts.party, threshold, date, lock: basename(lock), releases };
        let target: string;
        if (opts.pyproject === true) {
          target = opts.output ?? join(dirname(resolve(lock)), 'pyproject.toml');
          const existing = existsSync(target) ? readFileSync(target, 'utf8') : '';
          if (/^\s*\[+\s*tool\s*\.\s*pyvouch\b/m.test(existing)) {
            throw new PyvouchError('USAGE', `${target} already has a [tool.pyvouch] table`, { file: target, help: 'edit it, or remove the table first' });
          }
          const sep = existing === '' || existing.endsWith('\n\n') ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
          writeFileSync(target, `${existing}${sep}${baselinePolicyText(input, 'tool.pyvouch.')}`);
        } else {
          target = opts.output ?? join(dirname(resolve(lock)), 'pyvouch.toml');
          if (existsSync(target) && opts.force !== true) {
            throw new PyvouchError('USAGE', `${target} exists already`, { file: target, help: 'pass --force to overwrite it, or -o PATH to write elsewhere' });
          }
          writeFileSync(target, baselinePolicyText(input));
        }
        currentIo().stderr(`baselined ${releases.length} release${releases.length === 1 ? '' : 's'} of ${lock}; the team party is ${identity.did}\n`);
        currentIo().stdout(`${target}\n`);
        return 0;
      }),
    );
}
