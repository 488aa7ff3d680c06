// Reviews made cheap: `pyvouch inspect NAME==VERSION` (fetch the release's files, checked against
// the lock's sha256, unpack them safely into a temp dir), `pyvouch diff NAME OLD NEW` (file- and
// line-level diff of two releases) and `pyvouch certify NAME==NEW [--from OLD]` (sign the (delta)
// audit bound to the files that were diffed). The fetching, diffing and binding live in src/app/review.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { certify, diffReleases, fetchRelease, type FetchOptions as AppFetchOptions } from '../app/review.js';
import { archiveFormat, extractArchive } from '../artifact/archive.js';
import { archiveLimits } from '../artifact/limits.js';
import { renderDiffStat } from '../artifact/diff.js';
import { openIndex } from '../simple/open.js';
import { parsePin, signAndStore, type CommonOptions } from './statements.js';
import { withProgress } from './progress.js';
import { run } from './run.js';
import { currentIo, printJson } from './output.js';

const DEFAULT_INDEX = 'https://pypi.org/simple/';

interface FetchOptions {
  index?: string;
  lock?: string;
  wheel?: boolean;
}

function fetchOptions(opts: FetchOptions): AppFetchOptions {
  return { ...(opts.lock === undefined ? {} : { lock: opts.lock }), ...(opts.wheel === undefined ? {} : { wheel: opts.wheel }) };
}

export function registerReviewFiles(program: Command): void {
  program
    .command('inspect')
    .description("fetch a release's files (the locked ones with --lock, checked against their sha256) and unpack them safely into a temporary directory")
    .argument('<pin>', 'the release, as NAME==VERSION')
    .option('--index <url|dir>', 'the index (a simple API URL or a directory of files)', DEFAULT_INDEX)
    .option('--lock <file>', 'fetch the files this lock file records, checked against their sha256')
    .option('--wheel', 'prefer a wheel to the sdist')
    .action(
      run(async (pinText: string, opts: FetchOptions & { index: string }) => {
        const pin = parsePin(pinText);
        const files = await fetchRelease(openIndex(opts.index), pin.name, pin.version, fetchOptions(opts));
        const root = mkdtempSync(join(tmpdir(), `pyvouch-inspect-${pin.name}-${pin.version}-`));
        for (const f of files) {
          const dest = join(root, f.filename);
          const { mkdir } = await import('node:fs/promises');
          await mkdir(dest);
          await extractArchive(archiveFormat(f.filename), f.bytes, f.filename, dest, archiveLimits());
          currentIo().stderr(`unpacked ${f.filename} (sha256 ${f.sha256})\n`);
        }
        currentIo().stdout(`${root}\n`);
        return 0;
      }),
    );

  program
    .command('diff')
    .description("the file- and line-level diff between two releases' sdists (or wheels): the input to a delta review")
    .argument('<name>', 'the project')
    .argument('<old>', 'the version reviewed (or baselined) already')
    .argument('<new>', 'the version to review')
    .option('--index <url|dir>', 'the index (a simple API URL or a directory of files)', DEFAULT_INDEX)
    .option('--lock <file>', 'diff to the file of NEW this lock records (checked against its sha256)')
    .option('--wheel', 'diff wheels rather than sdists')
    .option('--format <format>', 'text (unified diff), json or stat', 'text')
    .action(
      run(async (name: string, oldV: string, newV: string, opts: FetchOptions & { format: string }) => {
        if (!['text', 'json', 'stat'].includes(opts.format)) throw new PyvouchError('USAGE', `unknown format '${opts.format}'`, { help: 'use text, json or stat' });
        const { diff } = await withProgress(`diff ${name} ${oldV}..${newV}`, (progress) =>
          diffReleases(openIndex(opts.index ?? DEFAULT_INDEX, { progress }), name, oldV, newV, { ...fetchOptions(opts), patches: opts.format !== 'stat' }),
        );
        if (opts.format === 'json') printJson(diff);
        else if (opts.format === 'stat') currentIo().stdout(renderDiffStat(diff));
        else {
          for (const f of diff.files) currentIo().stdout(f.binary ? `Binary file ${f.path} ${f.change}\n` : (f.patch ?? ''));
          currentIo().stderr(renderDiffStat({ ...diff, files: [] }));
        }
        return 0;
      }),
    );

  program
    .command('certify')
    .description('record your (delta) audit of a release, bound to the files you diffed or inspected')
    .argument('<pin>', 'the release, as NAME==NEW')
    .option('--from <version>', 'the audit covers the diff from this version (reviewed or baselined already)')
    .requiredOption('--criteria <list>', 'criteria the release meets, comma-separated (e.g. safe-to-deploy)')
    .option('--index <url|dir>', 'the index the files come from', DEFAULT_INDEX)
    .option('--lock <file>', 'bind to the files of the release this lock records')
    .option('--wheel', 'diff wheels rather than sdists')
    .option('--comment <text>', 'what you checked')
    .option('--expires <when>', 'stop counting after this date or duration')
    .option('--key <name>', 'sign with this key (a name under keys/ or a path)')
    .option('--store <path|url>', 'statement store: a SQLite file or a postgres:// URL')
    .option('--json', 'print the signed statement as JSON')
    .action(
      run(async (pinText: string, opts: FetchOptions & CommonOptions & { from?: string; criteria: string }) => {
        const pin = parsePin(pinText);
        const criteria = opts.criteria.split(',').map((s) => s.trim()).filter(Boolean);
        const { statement, what } = await certify({
          index: openIndex(opts.index ?? DEFAULT_INDEX),
          pin,
          criteria,
          ...fetchOptions(opts),
          ...(opts.from === undefined ? {} : { from: opts.from }),
          ...(opts.comment === undefined ? {} : { comment: opts.comment }),
        });
        currentIo().stderr(`${what}\n`);
        return signAndStore(statement, opts);
      }),
    );
}
