// `pyvouch feed init|publish|rotate|follow|sync|list|unfollow`: publish statements as a TUF feed,
// and follow others' feeds into the store (src/feed/).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { openStore } from '../store/open.js';
import { initRepository, publishToRepository, rotateRoleKeys, type InitOptions } from '../feed/repository.js';
import { fetchFirstRoot, followFeed, listFeeds, syncFeed, unfollowFeed, type SyncResult } from '../feed/follow.js';
import { findRegistryEntry, loadRegistry } from '../feed/registry.js';
import { isRoleName, parseDuration, TOP_LEVEL_ROLES, type RoleName } from '../feed/tuf.js';
import { describeRejection, readEnvelopeValues, rejectionJson } from '../app/envelope-files.js';
import { locateRejections } from '../app/import.js';
import { currentIo, formatOption, paint, printJson } from './output.js';
import { pyvouchDirs } from './paths.js';
import { createProgress } from './progress.js';
import { run } from './run.js';
import { collectOption } from './options.js';


/** `ROLE=VALUE` or a bare VALUE (applies to every role). */
function perRole(values: readonly string[], option: string): Partial<Record<RoleName, string[]>> {
  const out: Partial<Record<RoleName, string[]>> = {};
  for (const v of values) {
    const m = /^([a-z]+)=(.+)$/.exec(v);
    const roles: readonly RoleName[] = m !== null && isRoleName(m[1]!) ? [m[1]] : TOP_LEVEL_ROLES;
    if (m !== null && !isRoleName(m[1]!) && !v.includes('/')) {
      throw new PyvouchError('USAGE', `${option} ${v}: unknown role '${m[1]}' (expected ${TOP_LEVEL_ROLES.join(', ')})`);
    }
    const value = m !== null && isRoleName(m[1]!) ? m[2]! : v;
    for (const r of roles) (out[r] ??= []).push(value);
  }
  return out;
}

export function registerFeed(program: Command): void {
  const feed = program.command('feed').description('publish statements as a TUF-protected feed, and follow the feeds of others');

  feed
    .command('init')
    .description('create a feed repository (TUF root, targets, snapshot, timestamp; Ed25519 keys)')
    .argument('<dir>', 'directory to create; serve its repository/ subdirectory')
    .option('--name <name>', 'feed name (default: the directory name)')
    .option('--description <text>', 'what the feed audits', '')
    .option('--key <[role=]file>', 'a pyvouch key file signing ROLE (or every role); repeatable. Missing keys are generated in DIR/keys', collectOption, [])
    .option('--threshold <[role=]n>', 'signatures each role (or ROLE) needs; repeatable', collectOption, [])
    .option('--root-expiry <duration>', 'root validity (e.g. 365d)')
    .option('--targets-expiry <duration>', 'targets validity (e.g. 90d)')
    .option('--snapshot-expiry <duration>', 'snapshot validity (e.g. 7d)')
    .option('--timestamp-expiry <duration>', 'timestamp validity (e.g. 1d): re-publish more often than this')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (dir: string, opts: { name?: string; description: string; key: string[]; threshold: string[]; rootExpiry?: string; targetsExpiry?: string; snapshotExpiry?: string; timestampExpiry?: string; format: string }) => {
        const thresholds: Partial<Record<RoleName, number>> = {};
        for (const [role, values] of Object.entries(perRole(opts.threshold, '--threshold'))) {
          const n = Number(values.at(-1));
          if (!Number.isInteger(n) || n < 1) throw new PyvouchError('USAGE', `--threshold: expected a whole number of at least 1, got '${values.at(-1)}'`);
          thresholds[role as RoleName] = n;
        }
        const expiry: Partial<Record<RoleName, number>> = {};
        for (const [role, text] of [['root', opts.rootExpiry], ['targets', opts.targetsExpiry], ['snapshot', opts.snapshotExpiry], ['timestamp', opts.timestampExpiry]] as const) {
          if (text !== undefined) expiry[role] = parseDuration(text, `--${role}-expiry`);
        }
        const options: InitOptions = { description: opts.description, keys: perRole(opts.key, '--key'), thresholds, expiry, ...(opts.name === undefined ? {} : { name: opts.name }) };
        const result = await initRepository(dir, options);
        if (opts.format === 'json') {
          printJson(result);
        } else {
          for (const k of result.generatedKeys) currentIo().stderr(`generated ${k} (mode 0600; keep it offline for root)\n`);
          currentIo().stdout(`created feed repository ${result.dir}\n  serve:       ${result.dir}/repository\n  root:        ${result.rootFile}\n  fingerprint: ${result.rootFingerprint}\n`);
          currentIo().stdout(`followers pin the root: pyvouch feed follow URL --root ${result.rootFile} --name NAME\n`);
        }
        return 0;
      }),
    );

  feed
    .command('publish')
    .description('add statements (and retractions) to a feed and re-sign targets, snapshot and timestamp; with nothing to add, only re-sign')
    .argument('<dir>', 'the feed repository')
    .argument('[files...]', 'envelope files or directories (.json, .jsonl)')
    .option('--from-store', 'publish every statement in the store not yet published')
    .option('--store <path|url>', 'statement store (with --from-store)')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (dir: string, files: string[], opts: { fromStore?: boolean; store?: string; format: string }) => {
        const read = readEnvelopeValues(files);
        const values = read.values.map((v) => v.value);
        if (opts.fromStore === true) {
          const store = await openStore(opts.store, pyvouchDirs().data);
          try {
            for await (const s of store.all()) values.push(s.envelope);
          } finally {
            await store.close();
          }
        }
        const result = await publishToRepository(dir, values);
        const rejected = [...read.rejected, ...locateRejections(read, result.rejected, '(store)')];
        if (opts.format === 'json') {
          printJson({ published: result.published, duplicates: result.duplicates, statements: result.statements, versions: result.versions, rejected: rejected.map(rejectionJson) });
        } else {
          const color = currentIo().color.stderr;
          for (const r of rejected) currentIo().stderr(`${paint(color, 'red', 'rejected')} ${describeRejection(r)}\n`);
          const v = result.versions;
          currentIo().stdout(`published ${result.published} statement${result.published === 1 ? '' : 's'} (${result.duplicates} already published, ${rejected.length} rejected); feed holds ${result.statements}; targets v${v.targets}, snapshot v${v.snapshot}, timestamp v${v.timestamp}\n`);
        }
        return rejected.length > 0 ? 2 : 0;
      }),
    );

  feed
    .command('rotate')
    .description("replace a role's keys (a new root signed by old and new root keys)")
    .argument('<dir>', 'the feed repository')
    .requiredOption('--role <role>', TOP_LEVEL_ROLES.join(', '))
    .option('--key <file>', 'new key file (repeatable; default: generate one)', collectOption, [])
    .option('--threshold <n>', 'signatures the role needs from now on')
    .action(
      run(async (dir: string, opts: { role: string; key: string[]; threshold?: string }) => {
        if (!isRoleName(opts.role)) throw new PyvouchError('USAGE', `--role ${opts.role}: expected one of ${TOP_LEVEL_ROLES.join(', ')}`);
        const threshold = opts.threshold === undefined ? undefined : Number(opts.threshold);
        if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1)) throw new PyvouchError('USAGE', `--threshold: expected a whole number of at least 1, got '${opts.threshold}'`);
        const result = await rotateRoleKeys(dir, opts.role, { keys: opts.key, ...(threshold === undefined ? {} : { threshold }) });
        for (const k of result.generatedKeys) currentIo().stderr(`generated ${k} (mode 0600)\n`);
        currentIo().stdout(`rotated ${opts.role}: ${result.rootFile} (root v${result.versions.root}); timestamp v${result.versions.timestamp}\n`);
        return 0;
      }),
    );

  feed
    .command('follow')
    .description("follow a feed: pin its root; `pyvouch feed sync` then imports its statements")
    .argument('[location]', 'the feed URL or directory (omit with --from-registry)')
    .option('--root <file>', "the feed's root.json, obtained from its publisher")
    .option('--name <name>', 'local name of the feed (a policy party matches it: feed = "NAME")')
    .option('--criteria-map <theirs=ours>', 'count their criterion as ours (repeatable); unmapped criteria are dropped', collectOption, [])
    .option('--from-registry <name>', 'follow an audit source of the registry (root checked against its pinned fingerprint)')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (location: string | undefined, opts: { root?: string; name?: string; criteriaMap: string[]; fromRegistry?: string; format: string }) => {
        const config = pyvouchDirs().config;
        const criteriaMap: Record<string, string> = {};
        for (const pair of opts.criteriaMap) {
          const m = /^([^=\s]+)=([^=\s]+)$/.exec(pair);
          if (m === null) throw new PyvouchError('USAGE', `--criteria-map ${pair}: expected THEIRS=OURS`);
          criteriaMap[m[1]!] = m[2]!;
        }
        const entry = opts.fromRegistry === undefined ? undefined : findRegistryEntry(config, opts.fromRegistry);
        const where = location ?? entry?.url;
        if (where === undefined) throw new PyvouchError('USAGE', 'give the feed URL or directory, or --from-registry NAME');
        const name = opts.name ?? entry?.name;
        if (name === undefined) throw new PyvouchError('USAGE', 'give the feed a local name with --name');
        let root: { bytes: Uint8Array; file: string };
        if (opts.root !== undefined) {
          root = { bytes: readFileSync(opts.root), file: opts.root };
        } else if (entry !== undefined) {
          const fetched = await fetchFirstRoot(where);
          root = { bytes: fetched.bytes, file: fetched.url };
        } else {
          throw new PyvouchError('USAGE', "give the feed's root with --root FILE", { help: 'ask the publisher for root.json (pyvouch feed init prints where it is)' });
        }
        const state = await followFeed(config, {
          name,
          location: where,
          root: root.bytes,
          rootFile: root.file,
          criteriaMap,
          ...(entry === undefined ? {} : { expectFingerprint: entry.rootFingerprint, registry: entry.name }),
        });
        if (opts.format === 'json') printJson(state);
        else currentIo().stdout(`following '${state.name}' at ${state.location} (root ${state.rootFingerprint}); run \`pyvouch feed sync ${state.name}\`\n`);
        return 0;
      }),
    );

  feed
    .command('sync')
    .description('update followed feeds (all, or NAME) and import their new statements')
    .argument('[name]', 'one feed')
    .option('--store <path|url>', 'statement store')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (name: string | undefined, opts: { store?: string; format: string }) => {
        const config = pyvouchDirs().config;
        const names = name !== undefined ? [name] : (await listFeeds(config)).map((f) => f.name);
        if (names.length === 0) throw new PyvouchError('FEED_NOT_FOUND', 'no feeds are followed', { help: 'follow one with `pyvouch feed follow`' });
        const store = await openStore(opts.store, pyvouchDirs().data);
        const results: (SyncResult | { name: string; error: PyvouchError })[] = [];
        const progress = createProgress();
        try {
          for (const [i, n] of names.entries()) {
            progress.step(`feed sync ${n}`, i, names.length);
            try {
              results.push(await syncFeed(config, n, store));
            } catch (err) {
              if (!(err instanceof PyvouchError)) throw err;
              results.push({ name: n, error: err });
            }
          }
        } finally {
          progress.stop();
          await store.close();
        }
        let failed = false;
        if (opts.format === 'json') {
          printJson(results.map((r) => ('error' in r ? { name: r.name, error: r.error.toJSON() } : { ...r, rejected: r.rejected.map((x) => ({ batch: x.batch, line: x.line, ...x.error.toJSON() })) })));
        }
        const color = currentIo().color.stderr;
        for (const r of results) {
          if ('error' in r) {
            failed = true;
            if (opts.format !== 'json') {
              currentIo().stderr(`${paint(color, 'red', `error[${r.error.code}]`)}: ${r.error.describe()}\n`);
              if (r.error.help !== undefined) currentIo().stderr(`  ${paint(color, 'cyan', 'help')}: ${r.error.help}\n`);
            }
            continue;
          }
          if (r.rejected.length > 0) failed = true;
          if (opts.format === 'json') continue;
          for (const x of r.rejected) currentIo().stderr(`${paint(color, 'red', 'rejected')} ${x.error.describe()} [${x.error.code}]\n`);
          currentIo().stdout(
            r.unchanged
              ? `${r.name}: up to date (timestamp v${r.versions.timestamp})\n`
              : `${r.name}: imported ${r.imported} statement${r.imported === 1 ? '' : 's'} from ${r.batches} new batch${r.batches === 1 ? '' : 'es'} (${r.duplicates} already stored, ${r.rejected.length} rejected, ${r.suggestions} trust suggestion${r.suggestions === 1 ? '' : 's'}); root v${r.versions.root}, targets v${r.versions.targets}, snapshot v${r.versions.snapshot}, timestamp v${r.versions.timestamp}\n`,
          );
        }
        return failed ? 2 : 0;
      }),
    );

  feed
    .command('list')
    .description('followed feeds: where, versions, last sync and counts; and the registry')
    .option('--registry', 'list the audit sources of the registry instead')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (opts: { registry?: boolean; format: string }) => {
        const config = pyvouchDirs().config;
        if (opts.registry === true) {
          const entries = loadRegistry(config);
          if (opts.format === 'json') printJson(entries);
          else if (entries.length === 0) currentIo().stdout('the feed registry is empty\n');
          else for (const e of entries) currentIo().stdout(`${e.name}  ${e.url}  ${e.rootFingerprint}\n  ${e.description}\n`);
          return 0;
        }
        const feeds = await listFeeds(config);
        if (opts.format === 'json') {
          printJson(feeds.map(({ batches: _b, ...f }) => f));
          return 0;
        }
        if (feeds.length === 0) {
          currentIo().stdout('no feeds followed (pyvouch feed follow URL --root root.json --name NAME)\n');
          return 0;
        }
        for (const f of feeds) {
          const v = f.versions;
          currentIo().stdout(`${f.name}  ${f.location}${f.registry === undefined ? '' : ` (registry: ${f.registry})`}\n`);
          if (f.description !== undefined && f.description !== '') currentIo().stdout(`  ${f.description}\n`);
          currentIo().stdout(`  versions:   ${v === undefined ? 'never synced' : `root v${v.root}, targets v${v.targets}, snapshot v${v.snapshot}, timestamp v${v.timestamp}`}\n`);
          currentIo().stdout(`  last sync:  ${f.lastSync ?? 'never'}\n`);
          currentIo().stdout(`  statements: ${f.counts.statements} in feed, ${f.counts.imported} imported, ${f.counts.duplicates} already stored, ${f.counts.rejected} rejected, ${f.counts.suggestions} trust suggestions\n`);
          const map = Object.entries(f.criteriaMap).map(([a, b]) => `${a}=${b}`).join(', ');
          currentIo().stdout(`  criteria:   ${map === '' ? 'built-in only' : map}\n`);
          if (f.lastError !== undefined) currentIo().stdout(`  last error: [${f.lastError.code}] ${f.lastError.message} (${f.lastError.at})\n`);
        }
        return 0;
      }),
    );

  feed
    .command('unfollow')
    .description('stop following a feed (statements already imported stay in the store)')
    .argument('<name>')
    .action(
      run(async (name: string) => {
        await unfollowFeed(pyvouchDirs().config, name);
        currentIo().stdout(`no longer following '${name}'\n`);
        return 0;
      }),
    );
}
