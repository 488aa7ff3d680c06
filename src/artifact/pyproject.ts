// The parts of pyproject.toml that decide how an sdist's dependencies are known: `[project]`
// (PEP 621, with its `dynamic` list) and `[build-system]` (PEP 517/518).

import { parse, TomlError } from 'smol-toml';
import { PyvouchError } from '../errors.js';

export interface ProjectTable {
  readonly name?: string;
  readonly version?: string;
  readonly requiresPython?: string;
  readonly dependencies?: readonly string[];
  readonly optionalDependencies?: Readonly<Record<string, readonly string[]>>;
  /** Field names as written, lower-cased (PEP 621 names are already lower case). */
  readonly dynamic: readonly string[];
}

export interface BuildSystemTable {
  readonly requires: readonly string[];
  /** `module:object`, as PEP 517 writes it. */
  readonly buildBackend?: string;
  /** In-tree backend directories, relative to the source tree (PEP 517). */
  readonly backendPath: readonly string[];
}

export interface Pyproject {
  readonly project?: ProjectTable;
  readonly buildSystem?: BuildSystemTable;
}

/**
 * Parses pyproject.toml and checks the types of the fields pyvouch relies on. Every bad field is
 * reported, by its dotted path, in one METADATA_PARSE error.
 */
export function parsePyproject(text: string, file: string): Pyproject {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new PyvouchError('METADATA_PARSE', `invalid TOML: ${reason}`, {
      file,
      ...(line === undefined ? {} : { line }),
      cause: err,
    });
  }
  const problems: PyvouchError[] = [];
  const bad = (path: string, expected: string): void => {
    problems.push(new PyvouchError('METADATA_PARSE', `expected ${expected}`, { file, path }));
  };
  const table = (value: unknown, path: string): Record<string, unknown> | undefined => {
    if (value === undefined) return undefined;
    if (isTable(value)) return value;
    bad(path, 'a table');
    return undefined;
  };
  const str = (value: unknown, path: string): string | undefined => {
    if (value === undefined || typeof value === 'string') return value;
    bad(path, 'a string');
    return undefined;
  };
  const strings = (value: unknown, path: string): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      bad(path, 'an array of strings');
      return undefined;
    }
    const out: string[] = [];
    value.forEach((item: unknown, i) => {
      if (typeof item === 'string') out.push(item);
      else bad(`${path}[${i}]`, 'a string');
    });
    return out;
  };

  const result: { project?: ProjectTable; buildSystem?: BuildSystemTable } = {};
  const project = table(doc['project'], 'project');
  if (project !== undefined) {
    let optional: Record<string, readonly string[]> | undefined;
    const optionalTable = table(project['optional-dependencies'], 'project.optional-dependencies');
    if (optionalTable !== undefined) {
      optional = {};
      for (const [extra, reqs] of Object.entries(optionalTable)) {
        optional[extra] = strings(reqs, `project.optional-dependencies.${extra}`) ?? [];
      }
    }
    const name = str(project['name'], 'project.name');
    const version = str(project['version'], 'project.version');
    const requiresPython = str(project['requires-python'], 'project.requires-python');
    const dependencies = strings(project['dependencies'], 'project.dependencies');
    result.project = {
      ...(name === undefined ? {} : { name }),
      ...(version === undefined ? {} : { version }),
      ...(requiresPython === undefined ? {} : { requiresPython }),
      ...(dependencies === undefined ? {} : { dependencies }),
      ...(optional === undefined ? {} : { optionalDependencies: optional }),
      dynamic: (strings(project['dynamic'], 'project.dynamic') ?? []).map((d) => d.toLowerCase()),
    };
  }
  const buildSystem = table(doc['build-system'], 'build-system');
  if (buildSystem !== undefined) {
    const buildBackend = str(buildSystem['build-backend'], 'build-system.build-backend');
    result.buildSystem = {
      requires: strings(buildSystem['requires'], 'build-system.requires') ?? [],
      ...(buildBackend === undefined ? {} : { buildBackend }),
      backendPath: strings(buildSystem['backend-path'], 'build-system.backend-path') ?? [],
    };
  }
  const [first] = problems;
  if (first !== undefined) {
    throw new PyvouchError('METADATA_PARSE', `${problems.length} invalid field(s) in pyproject.toml`, {
      file,
      problems,
      ...(problems.length === 1 && first.path !== undefined ? { path: first.path } : {}),
    });
  }
  return result;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
