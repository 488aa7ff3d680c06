// The target-environment options every graph-building command shares.
import type { Command } from 'commander';
import { parseTarget } from '../pep/environment.js';
import type { SelectionOptions, TargetDescription } from '../graph/graph.js';

export interface TargetOptions {
  python?: string;
  platform?: string;
  machine?: string;
  implementation?: string;
  extra?: string[];
  allExtras?: boolean;
  group?: string[];
  allGroups?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--python <version>', 'target Python version (e.g. 3.12)')
    .option('--platform <os>', 'target platform: linux, macos or windows')
    .option('--machine <arch>', 'target machine (e.g. x86_64, aarch64, arm64)')
    .option('--implementation <name>', 'target implementation (cpython, pypy)')
    .option('--extra, --extras <name>', 'include an extra of the root project (repeatable)', collect)
    .option('--all-extras', 'include every extra of the root project')
    .option('--group <name>', 'include a dependency group (repeatable)', collect)
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
    ...(opts.extra === undefined ? {} : { extras: opts.extra }),
    ...(opts.group === undefined ? {} : { groups: opts.group }),
    ...(opts.allExtras === true ? { allExtras: true } : {}),
    ...(opts.allGroups === true ? { allGroups: true } : {}),
  };
}
