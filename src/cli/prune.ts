// `pyvouch prune [LOCKFILE]`: removes the exemptions a policy no longer needs (cargo-vet's
// `prune`): the release is gone from the lock, or it now passes on its own reviews. Edits the
// [[exemption]] tables of the policy file in place and leaves the rest of the text as written.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { parse as parseToml } from 'smol-toml';
import { PyvouchError } from '../errors.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import { statementFilesSource } from '../app/check.js';
import { lockedReleases } from '../app/locked.js';
import { pruneExemptions, type PruneDecision } from '../app/prune.js';
import { storeSource, type StatementSource } from '../app/sources.js';
import { openStore } from '../store/open.js';
import type { StatementStore } from '../store/store.js';
import { findPolicy, loadPolicy } from '../trust/load.js';
import { currentIo, formatOption, paint, printJson } from './output.js';
import { collectOption } from './options.js';
import { pyvouchDirs } from './paths.js';
import { run } from './run.js';

interface PruneOptions {
  store?: string;
  statements?: string[];
  db: boolean;
  policy?: string;
  at?: string;
  dryRun?: boolean;
  format: string;
}

export type { PruneDecision } from '../app/prune.js';

const EXEMPTION_HEADER = /^\s*\[\[\s*(?:tool\s*\.\s*pyvouch\s*\.\s*)?exemption\s*\]\]\s*(?:#.*)?$/;
const ANY_HEADER = /^\s*\[/;

/**
 * Removes from policy text the [[exemption]] tables (also [[tool.pyvouch.exemption]]) for which
 * `drop(name, version)` is true. A table it cannot read is kept: prune never widens trust.
 */
export function removeExemptions(text: string, drop: (name: string, version: string) => boolean): { text: string; removed: number } {
  const lines = text.split('\n');
  const out: string[] = [];
  let removed = 0;
  for (let i = 0; i < lines.length; ) {
    if (!EXEMPTION_HEADER.test(lines[i]!)) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    let end = i + 1;
    while (end < lines.length && !ANY_HEADER.test(lines[end]!)) end++;
    const block = lines.slice(i, end);
    let remove = false;
    try {
      const body = parseToml(block.slice(1).join('\n')) as Record<string, unknown>;
      const name = body['name'];
      const version = body['version'];
      if (typeof name === 'string' && typeof version === 'string') remove = drop(canonicalizeName(name), normalize(version));
    } catch {
      remove = false;
    }
    if (remove) {
      removed++;
      // Also drop the blank line that separated the table from the previous one.
      while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
      // Keep one blank line before whatever follows.
      if (end < lines.length && out.length > 0) out.push('');
    } else out.push(...block);
    i = end;
  }
  let result = out.join('\n');
  if (text.endsWith('\n') && !result.endsWith('\n')) result += '\n';
  return { text: result, removed };
}

function normalize(v: string): string {
  try {
    return new Version(v).toString();
  } catch {
    return v;
  }
}

export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('remove exemptions no longer needed: the release left the lock, or it passes on its own reviews')
    .argument('<lockfile>', 'the lock file the exemptions are for')
    .option('--policy <path>', 'the policy file to edit (default: found beside the lock file)')
    .option('--statements <path>', 'also weigh the signed statements in these files or directories (repeatable)', collectOption)
    .option('--store <path|url>', 'statement store: a SQLite file or a postgres:// URL')
    .option('--no-db', 'do not read the statement store (only --statements)')
    .option('--at <time>', 'evaluate as of this time (RFC 3339) instead of now')
    .option('--dry-run', 'say what would be removed, change nothing')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (lock: string, opts: PruneOptions) => {
        const policy = opts.policy !== undefined ? await loadPolicy(opts.policy) : await findPolicy(dirname(lock));
        if (policy?.file === undefined) throw new PyvouchError('USAGE', `no policy beside ${lock}`, { help: 'pass it with --policy PATH' });
        const now = opts.at === undefined ? new Date() : new Date(opts.at);
        if (Number.isNaN(now.getTime())) throw new PyvouchError('USAGE', `cannot read --at '${opts.at}'`, { help: 'use an RFC 3339 time' });
        const locked = lockedReleases(lock);
        const sources: StatementSource[] = [];
        let store: StatementStore | undefined;
        let decisions: PruneDecision[];
        try {
          if (opts.db) {
            store = await openStore(opts.store, pyvouchDirs().data);
            sources.push(storeSource(store));
          }
          if (opts.statements !== undefined && opts.statements.length > 0) sources.push(statementFilesSource(opts.statements, now));
          const pruned = await pruneExemptions({ locked, sources, policy, now });
          decisions = pruned.decisions;
          const color = currentIo().color.stderr;
          for (const s of pruned.setAside) currentIo().stderr(`${paint(color, 'yellow', 'warning')}: ignored ${s.source === '--statements' ? s.message : `a statement in the ${s.source} (row ${s.what}): ${s.code}: ${s.message}`}\n`);
        } finally {
          await store?.close();
        }
        const drop = new Set(decisions.map((d) => `${d.name}==${d.version}`));
        const text = readFileSync(policy.file, 'utf8');
        const edited = removeExemptions(text, (name, version) => drop.has(`${name}==${version}`));
        if (opts.dryRun !== true && edited.removed > 0) writeFileSync(policy.file, edited.text);
        if (opts.format === 'json') {
          printJson({ file: policy.file, dryRun: opts.dryRun === true, removed: decisions, kept: policy.exemptions.length - edited.removed });
        } else {
          for (const d of decisions) {
            currentIo().stdout(`${opts.dryRun === true ? 'would remove' : 'removed'} ${d.name}==${d.version}: ${d.why === 'gone' ? 'no longer in the lock' : 'passes on its own reviews'}\n`);
          }
          currentIo().stdout(`${decisions.length} exemption${decisions.length === 1 ? '' : 's'} ${opts.dryRun === true ? 'can go' : 'removed'}, ${policy.exemptions.length - edited.removed} kept (${policy.file})\n`);
        }
        return 0;
      }),
    );
}
