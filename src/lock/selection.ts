// Which dependency groups and extras of a lock a graph covers. By default the same choice as the
// client that wrote the lock (uv, Poetry, pdm, pipenv), changed by uv's options (`--group`,
// `--no-group`, `--only-group`, `--no-default-groups`, `--all-groups`); names follow PEP 735/685.

import { PyvouchError } from '../errors.js';
import type { GraphSelection, SelectionOptions } from '../graph/graph.js';
import { canonicalizeName } from '../pep/name.js';

/** How one lock format's client chooses groups. */
export interface GroupRules {
  /** The groups the lock (or its project) defines, as written. */
  available: readonly string[];
  /** The groups its client installs when told nothing. */
  defaults: readonly string[];
  /** Where those defaults come from, for reports ("uv: [tool.uv] default-groups in pyproject.toml"). */
  defaultsFrom: string;
  /** A group name that stands for the project's own dependencies (Poetry's `main`, pdm's `default`). */
  projectGroup?: string;
}

export interface GroupChoice {
  /** Whether the project's own dependencies are taken. */
  project: boolean;
  /** The groups taken, normalised, in a stable order. */
  groups: string[];
}

const norm = (name: string): string => canonicalizeName(name);

function sorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

/** Raise USAGE when the selection names groups the lock does not define, listing the ones it does. */
function checkNames(flag: string, requested: readonly string[], known: readonly string[], file: string): void {
  const have = new Set(known.map(norm));
  const missing = requested.filter((r) => !have.has(norm(r)));
  if (missing.length === 0) return;
  const list = known.length === 0 ? 'none' : sorted(known).join(', ');
  throw new PyvouchError('USAGE', `no group ${missing.map((m) => `'${m}'`).join(', ')} (${flag}; the lock defines: ${list})`, {
    file,
    help: known.length === 0 ? `drop ${flag}: this lock has no dependency groups` : `pass one of the listed names to ${flag}`,
  });
}

/** The groups a selection takes under a client's rules; unknown names are a usage error. */
export function chooseGroups(rules: GroupRules, selection: SelectionOptions, file: string): GroupChoice {
  const known = rules.projectGroup === undefined ? [...rules.available] : [...rules.available, rules.projectGroup];
  checkNames('--group', selection.groups ?? [], known, file);
  checkNames('--only-group', selection.onlyGroups ?? [], known, file);
  checkNames('--no-group', selection.noGroups ?? [], known, file);
  const projectGroup = rules.projectGroup === undefined ? undefined : norm(rules.projectGroup);
  const available = rules.available.map(norm);
  const only = (selection.onlyGroups ?? []).map(norm);
  const without = new Set((selection.noGroups ?? []).map(norm));
  let taken: string[];
  let project: boolean;
  if (only.length > 0) {
    // uv: only the named groups, without the project's own dependencies; implies --no-default-groups.
    taken = [...only, ...(selection.groups ?? []).map(norm), ...(selection.allGroups === true ? available : [])];
    project = projectGroup !== undefined && taken.includes(projectGroup);
  } else {
    const base = selection.allGroups === true ? available : selection.noDefaultGroups === true ? [] : rules.defaults.map(norm);
    taken = [...base, ...(selection.groups ?? []).map(norm)];
    project = true;
  }
  if (projectGroup !== undefined && without.has(projectGroup)) project = false;
  const groups = sorted(taken.filter((g) => !without.has(g) && g !== projectGroup));
  return { project, groups };
}

/** The extras a selection takes; unknown names are a usage error listing the known ones. */
export function chooseExtras(available: readonly string[], selection: SelectionOptions, file: string): string[] {
  if (selection.allExtras === true) return sorted(available.map(norm));
  const requested = (selection.extras ?? []).map(norm);
  const have = new Set(available.map(norm));
  const missing = (selection.extras ?? []).filter((r) => !have.has(norm(r)));
  if (missing.length > 0) {
    const list = available.length === 0 ? 'none' : sorted(available).join(', ');
    throw new PyvouchError('USAGE', `no extra ${missing.map((m) => `'${m}'`).join(', ')} (--extra; the lock defines: ${list})`, {
      file,
      help: available.length === 0 ? 'drop --extra: the project of this lock has no extras' : 'pass one of the listed names to --extra',
    });
  }
  return sorted(requested);
}

/** The record of a choice for the graph. */
export function graphSelection(choice: GroupChoice, extras: readonly string[], rules: GroupRules): GraphSelection {
  return {
    project: choice.project,
    groups: [...choice.groups],
    extras: sorted(extras),
    availableGroups: sorted(rules.available.map(norm)),
    defaults: rules.defaultsFrom,
  };
}

/** Whether a selection names any group or extra (formats without groups refuse such names). */
export function namesGroupsOrExtras(selection: SelectionOptions): boolean {
  return [selection.extras, selection.groups, selection.onlyGroups, selection.noGroups].some((l) => (l?.length ?? 0) > 0);
}
