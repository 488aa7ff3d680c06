// The target-environment options every graph-building command shares.
import { type Command, Option } from 'commander';
import { PyvouchError } from '../errors.js';
import { parseTarget } from '../pep/environment.js';
import type { SelectionOptions, TargetDescription } from '../graph/graph.js';

export interface TargetOptions {
  python?: string;
  platform?: string;
  machine?: string;
  implementation?: string;
  /** Commander names the attribute after the last long flag of `--extra, --extras`. */
  extras?: string[];
  allExtras?: boolean;
  group?: string[];
  allGroups?: boolean;
  /** `--no-default-groups` (commander sets `defaultGroups: false`). */
  defaultGroups?: boolean;
  onlyGroup?: string[];
  noGroup?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** uv's `--no-group NAME`: commander would take any `--no-*` flag as the negation of `--group`. */
function noGroupOption(): Option {
  const option = new Option('--no-group <name>', 'leave out a dependency group, even a default one (repeatable)').argParser(collect);
  option.negate = false;
  return option;
}

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--python <version>', 'target Python version (e.g. 3.12)')
    .option('--platform <os>', 'target platform: linux, macos or windows')
    .option('--machine <arch>', 'target machine (e.g. x86_64, aarch64, arm64)')
    .option('--implementation <name>', 'target implementation (cpython, pypy)')
    .option('--extra, --extras <name>', 'include an extra of the root project (repeatable)', collect)
    .option('--all-extras', 'include every extra of the root project')
    .option('--group <name>', 'also include a dependency group, besides the ones the lock\'s client installs by default (repeatable)', collect)
    .option('--only-group <name>', 'only this dependency group, without the project\'s own dependencies (repeatable)', collect)
    .addOption(noGroupOption())
    .option('--no-default-groups', 'leave out the groups the lock\'s client installs by default (uv: default-groups, Poetry: non-optional groups)')
    .option('--all-groups', 'include every dependency group');
}

export function targetFromOptions(opts: TargetOptions): TargetDescription {
  return parseTarget({
    ...(opts.python === undefined ? {} : { python: opts.python }),
    ...(opts.platform === undefined ? {} : { platform: opts.platform }),
    ...(opts.machine === undefined ? {} : { machine: opts.machine }),
    ...(opts.implementation === undefined ? {} : { implementation: opts.implementation }),
  });
}

export function selectionFromOptions(opts: TargetOptions): SelectionOptions {
  return {
    ...(opts.extras === undefined ? {} : { extras: opts.extras }),
    ...(opts.group === undefined ? {} : { groups: opts.group }),
    ...(opts.onlyGroup === undefined ? {} : { onlyGroups: opts.onlyGroup }),
    ...(opts.noGroup === undefined ? {} : { noGroups: opts.noGroup }),
    ...(opts.defaultGroups === false ? { noDefaultGroups: true } : {}),
    ...(opts.allExtras === true ? { allExtras: true } : {}),
    ...(opts.allGroups === true ? { allGroups: true } : {}),
  };
}

/**
 * Commands that resolve loose requirements (`-r`) have no project whose extras or groups could be
 * chosen: a selection there would be silently dropped, so it is a usage error.
 */
export function refuseSelection(opts: TargetOptions, what: string): void {
  const sel = selectionFromOptions(opts);
  const named = Object.keys(sel);
  if (named.length === 0) return;
  throw new PyvouchError('USAGE', `${what} has no project extras or dependency groups to choose from`, {
    help: 'drop --extra/--all-extras/--group/--only-group/--no-group/--no-default-groups/--all-groups, or check a lock file that defines them',
  });
}

export interface AllTargetsOptions {
  allTargets?: boolean;
  /** `--matrix LIST` (platform:python[:machine],...). */
  matrix?: string;
}

/** `check`'s choice of checking every supported target at once. */
export function addAllTargetsOptions(cmd: Command): Command {
  return cmd
    .option('--all-targets', 'check every target the lock supports, or -r requirements resolve on, at once (CPython 3.9-3.14 on Linux, macOS, Windows; the default for uv.lock and a pylock.toml with markers unless --python/--platform is given)')
    .option('--matrix <targets>', 'check these targets at once, e.g. linux:3.12,windows:3.10,macos:3.13:x86_64');
}

/** Whether the user named a target (then a universal lock is checked for that target alone). */
export function namesTarget(opts: TargetOptions): boolean {
  return opts.python !== undefined || opts.platform !== undefined || opts.machine !== undefined || opts.implementation !== undefined;
}
