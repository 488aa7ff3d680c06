// Reviews made cheap: `pyvouch inspect NAME==VERSION` (fetch the release's files, checked against
// the lock's sha256, unpack them safely into a temp dir), `pyvouch diff NAME OLD NEW` (file- and
// line-level diff of two releases) and `pyvouch certify NAME==NEW [--from OLD]` (sign the (delta)
// audit bound to the files that were diffed).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { archiveFormat, extractArchive } from '../artifact/archive.js';
import { archiveLimits } from '../artifact/limits.js';
import { diffReleaseTrees, readReleaseTree, renderDiffStat, sha256Of, type ReleaseDiff } from '../artifact/diff.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import { openIndex } from '../simple/open.js';
import type { IndexFile, PackageIndex } from '../simple/types.js';
import { releaseOf } from '../server/decide.js';
import { lockedReleases } from '../app/locked.js';
import { parsePin, signAndStore, type CommonOptions } from './statements.js';
import { run } from './run.js';

const DEFAULT_INDEX = 'https://pypi.org/simple/';

interface FetchOptions {
  index?: string;
  lock?: string;
  wheel?: boolean;
}

export interface FetchedFile {
  filename: string;
  sha256: string;
  bytes: Uint8Array;
}

/**
 * The files of name==version to review: with --lock, exactly the locked files (each checked
 * against its locked sha256); otherwise the sdist (or, with --wheel or without an sdist, a wheel).
 */
export async function fetchRelease(index: PackageIndex, name: string, version: string, opts: FetchOptions): Promise<FetchedFile[]> {
  const page = await index.project(name);
  if (page === undefined) throw new PyvouchError('USAGE', `the index ${index.url} has no project '${name}'`, { help: 'check the name, or pass --index' });
  const files = page.files.filter((f) => {
    const r = releaseOf(f.filename);
    return r !== undefined && r.name === name && r.version === version;
  });
  let chosen: { file: IndexFile; sha256?: string }[];
  if (opts.lock !== undefined) {
    const node = lockedReleases(opts.lock).nodes.get(`${name}==${version}`);
    if (node === undefined) throw new PyvouchError('USAGE', `${opts.lock} does not lock ${name}==${version}`, { file: opts.lock });
    chosen = [];
    for (const a of node.artifacts) {
      if (a.sha256 === undefined) throw new PyvouchError('DIGEST_MISMATCH', `${opts.lock} records no sha256 for ${a.filename}: its bytes cannot be checked`, { file: opts.lock, help: 'lock with hashes' });
      const file = files.find((f) => f.filename === a.filename);
      if (file === undefined) throw new PyvouchError('USAGE', `the index ${index.url} does not serve the locked file ${a.filename}`, { help: 'pass the index the lock was made from with --index' });
      chosen.push({ file, sha256: a.sha256 });
    }
  } else {
    const sdist = files.find((f) => releaseOf(f.filename)?.kind === 'sdist');
    const wheels = files.filter((f) => releaseOf(f.filename)?.kind === 'wheel');
    const wheel = wheels.find((f) => f.filename.endsWith('-none-any.whl')) ?? wheels[0];
    const pick = opts.wheel === true ? (wheel ?? sdist) : (sdist ?? wheel);
    if (pick === undefined) throw new PyvouchError('USAGE', `the index ${index.url} lists no wheel or sdist of ${name} ${version}`, { help: 'check the version, or pass --index' });
    chosen = [{ file: pick }];
  }
  const out: FetchedFile[] = [];
  for (const { file, sha256 } of chosen) {
    const bytes = await index.download(file);
    const digest = sha256Of(bytes);
    if (sha256 !== undefined && digest !== sha256.toLowerCase()) {
      throw new PyvouchError('DIGEST_MISMATCH', `${file.filename} from ${index.url} has sha256 ${digest}, but the lock records ${sha256}`, { help: 'do not review or install it: the index serves other bytes than the lock names' });
    }
    out.push({ filename: file.filename, sha256: digest, bytes });
  }
  return out;
}

function pinOf(name: string, version: string): { name: string; version: string } {
  return { name: canonicalizeName(name), version: new Version(version).toString() };
}

/** Diffs two releases; returns the diff and the files it was made from. */
export async function diffReleases(name: string, oldVersion: string, newVersion: string, opts: FetchOptions & { patches?: boolean }): Promise<{ diff: ReleaseDiff; from: FetchedFile; to: FetchedFile }> {
  const index = openIndex(opts.index ?? DEFAULT_INDEX);
  const a = pinOf(name, oldVersion);
  const b = pinOf(name, newVersion);
  const to = (await fetchRelease(index, b.name, b.version, opts))[0]!;
  // The same kind on both sides: an sdist diffed against a wheel would be all noise.
  const wantWheel = to.filename.endsWith('.whl');
  const from = (await fetchRelease(index, a.name, a.version, { ...(opts.index === undefined ? {} : { index: opts.index }), wheel: wantWheel }))[0]!;
  const diff = diffReleaseTrees(await readReleaseTree(from.bytes, from.filename), await readReleaseTree(to.bytes, to.filename), { patches: opts.patches === true });
  diff.from.sha256 = from.sha256;
  diff.to.sha256 = to.sha256;
  return { diff, from, to };
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
        const files = await fetchRelease(openIndex(opts.index), pin.name, pin.version, opts);
        const root = mkdtempSync(join(tmpdir(), `pyvouch-inspect-${pin.name}-${pin.version}-`));
        for (const f of files) {
          const dest = join(root, f.filename);
          const { mkdir } = await import('node:fs/promises');
          await mkdir(dest);
          await extractArchive(archiveFormat(f.filename), f.bytes, f.filename, dest, archiveLimits());
          process.stderr.write(`unpacked ${f.filename} (sha256 ${f.sha256})\n`);
        }
        process.stdout.write(`${root}\n`);
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
        const { diff } = await diffReleases(name, oldV, newV, { ...opts, patches: opts.format !== 'stat' });
        if (opts.format === 'json') process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
        else if (opts.format === 'stat') process.stdout.write(renderDiffStat(diff));
        else {
          for (const f of diff.files) process.stdout.write(f.binary ? `Binary file ${f.path} ${f.change}\n` : (f.patch ?? ''));
          process.stderr.write(renderDiffStat({ ...diff, files: [] }));
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
        let artifacts: { filename: string; sha256: string }[];
        let what: string;
        if (opts.from !== undefined) {
          const { diff, from, to } = await diffReleases(pin.name, opts.from, pin.version, opts);
          artifacts = [{ filename: to.filename, sha256: to.sha256 }];
          what = `delta audit from ${from.filename} (sha256 ${from.sha256}): ${diff.files.length} files, +${diff.added} -${diff.removed} lines`;
        } else {
          const files = await fetchRelease(openIndex(opts.index ?? DEFAULT_INDEX), pin.name, pin.version, opts);
          artifacts = files.map((f) => ({ filename: f.filename, sha256: f.sha256 }));
          what = `audit of ${files.map((f) => f.filename).join(', ')}`;
        }
        process.stderr.write(`${what}\n`);
        return signAndStore(
          {
            kind: 'assess',
            package: pin,
            artifacts,
            criteria,
            ...(opts.from === undefined ? {} : { deltaFrom: new Version(opts.from).toString() }),
            description: opts.comment === undefined ? what : `${opts.comment} (${what})`,
          },
          opts,
        );
      }),
    );
}
