// Reads astral-sh/packse resolver scenarios (test/corpora/packse/**/*.toml) into an in-memory
// index, resolver options and the expected outcome. Options the resolver does not model make the
// scenario "excluded" with a reason, which the tests report rather than skip silently.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { TargetDescription } from '../../src/graph/graph.js';
import { parseTarget } from '../../src/pep/environment.js';
import { canonicalizeName } from '../../src/pep/name.js';
import { Requirement } from '../../src/pep/requirement.js';
import type { TagOptions } from '../../src/pep/tags.js';
import type { MemoryRelease } from '../../src/resolve/memory-provider.js';

export const PACKSE_DIR = new URL('../corpora/packse/', import.meta.url).pathname;

export interface PackseScenario {
  file: string;
  /** The directory under packse/ (the scenario family). */
  group: string;
  name: string;
  requirements: Requirement[];
  projects: Record<string, MemoryRelease[]>;
  target: TargetDescription;
  tags: TagOptions;
  prereleases: boolean;
  noBinary: Set<string>;
  onlyBinary: Set<string>;
  satisfiable: boolean;
  /** Expected versions by canonical name, when the scenario lists them. */
  packages?: Record<string, string>;
  /** Why the scenario cannot run against a single-target resolver; undefined when it can. */
  excluded?: string;
  /** Resolve for every environment at once (`resolve --universal`). */
  universal: boolean;
  /** The root project's requires-python (universal scenarios). */
  requiresPython?: string;
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** `x86_64-manylinux2014` and friends: the target and tag options they stand for. */
function pythonPlatform(text: string): { platform: string; machine: string; tags: TagOptions } | null {
  const m = /^(x86_64|aarch64|i686)-manylinux(?:_?(\d+)_(\d+)|(2014|2010|1))$/.exec(text);
  if (m !== null) {
    const legacy: Record<string, string> = { '2014': '2.17', '2010': '2.12', '1': '2.5' };
    const glibc = m[4] !== undefined ? legacy[m[4]]! : `${m[2]}.${m[3]}`;
    return { platform: 'linux', machine: m[1]!, tags: { manylinuxGlibc: glibc } };
  }
  const simple: Record<string, { platform: string; machine: string }> = {
    linux: { platform: 'linux', machine: 'x86_64' },
    'x86_64-unknown-linux-gnu': { platform: 'linux', machine: 'x86_64' },
    macos: { platform: 'macos', machine: 'arm64' },
    'aarch64-apple-darwin': { platform: 'macos', machine: 'arm64' },
    'x86_64-apple-darwin': { platform: 'macos', machine: 'x86_64' },
    windows: { platform: 'windows', machine: 'x86_64' },
    'x86_64-pc-windows-msvc': { platform: 'windows', machine: 'x86_64' },
  };
  const found = simple[text];
  return found === undefined ? null : { ...found, tags: {} };
}

const KNOWN_OPTIONS = new Set(['python', 'python_platform', 'prereleases', 'no_binary', 'only_binary', 'universal']);

export function loadScenario(file: string): PackseScenario {
  const doc = parseToml(readFileSync(file, 'utf8')) as Table;
  const rel = relative(PACKSE_DIR, file);
  const group = rel.split('/')[0] ?? '';
  const root = isTable(doc.root) ? doc.root : {};
  const options = isTable(doc.resolver_options) ? doc.resolver_options : {};
  const environment = isTable(doc.environment) ? doc.environment : {};
  const expected = isTable(doc.expected) ? doc.expected : {};
  const reasons: string[] = [];

  const universal = options.universal === true;
  for (const key of Object.keys(options)) if (!KNOWN_OPTIONS.has(key)) reasons.push(`resolver option '${key}' is not modelled`);
  if (root.requires_python !== undefined && !universal) reasons.push('a root requires-python is not modelled');

  let platform = { platform: 'linux', machine: 'x86_64', tags: {} as TagOptions };
  if (typeof options.python_platform === 'string') {
    const mapped = pythonPlatform(options.python_platform);
    if (mapped === null) reasons.push(`python_platform '${options.python_platform}' is not mapped to a target`);
    else platform = mapped;
  }
  // The resolver option names the target Python; [environment] is the interpreter packse runs,
  // which is the target when no option overrides it.
  const python = typeof options.python === 'string' ? options.python : typeof environment.python === 'string' ? environment.python : '3.12';
  const target = parseTarget({ python, platform: platform.platform, machine: platform.machine, implementation: 'cpython' });

  const projects: Record<string, MemoryRelease[]> = {};
  const packages = isTable(doc.packages) ? doc.packages : {};
  for (const [name, project] of Object.entries(packages)) {
    const versions = isTable(project) && isTable(project.versions) ? project.versions : {};
    const releases: MemoryRelease[] = [];
    for (const [version, raw] of Object.entries(versions)) {
      const v = isTable(raw) ? raw : {};
      const release: MemoryRelease = { version, requires: strings(v.requires) };
      if (isTable(v.extras)) release.extras = Object.fromEntries(Object.entries(v.extras).map(([k, reqs]) => [k, strings(reqs)]));
      if (typeof v.requires_python === 'string') release.requiresPython = v.requires_python;
      if (Array.isArray(v.wheel_tags)) release.wheelTags = strings(v.wheel_tags);
      if (typeof v.sdist === 'boolean') release.sdist = v.sdist;
      if (typeof v.wheel === 'boolean') release.wheel = v.wheel;
      if (v.yanked === true || typeof v.yanked === 'string') release.yanked = v.yanked;
      releases.push(release);
    }
    projects[name] = releases;
  }

  const scenario: PackseScenario = {
    file,
    group,
    name: typeof doc.name === 'string' ? doc.name : rel,
    requirements: strings(root.requires).map((r) => new Requirement(r)),
    projects,
    target,
    tags: platform.tags,
    prereleases: options.prereleases === true,
    noBinary: new Set(strings(options.no_binary).map((n) => (n === ':all:' ? n : canonicalizeName(n)))),
    onlyBinary: new Set(strings(options.only_binary).map((n) => (n === ':all:' ? n : canonicalizeName(n)))),
    satisfiable: expected.satisfiable === true,
    universal,
  };
  if (typeof root.requires_python === 'string') scenario.requiresPython = root.requires_python;
  if (isTable(expected.packages)) {
    scenario.packages = Object.fromEntries(Object.entries(expected.packages).map(([k, v]) => [canonicalizeName(k), String(v)]));
  }
  if (reasons.length > 0) scenario.excluded = reasons.join('; ');
  return scenario;
}

export function scenarioFiles(dir: string = PACKSE_DIR): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...scenarioFiles(path));
    else if (entry.endsWith('.toml')) out.push(path);
  }
  return out;
}
