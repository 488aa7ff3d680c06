// The one reader of pyproject.toml: `[project]` (PEP 621, with its `dynamic` list), `[build-system]`
// (PEP 517/518), `[dependency-groups]` (PEP 735) and the `[tool.*]` tables other tools own (poetry,
// pdm, uv, pyvouch). The TOML syntax error carries the caller's error code and the line; the typed
// tables record every bad field, by its dotted path and line, in the caller's collector.

import { parse as parseToml, TomlError } from 'smol-toml';
import { PyvouchError, type ErrorCode } from '../errors.js';
import { FieldProblems } from '../text/problems.js';
import { tomlLocator, type TomlLocator } from '../text/toml-lines.js';

export type TomlTable = Record<string, unknown>;

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

function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A decoded pyproject.toml: its tables, and a locator for the lines of its fields. */
export class PyprojectDocument {
  readonly locate: TomlLocator;

  private constructor(
    readonly doc: TomlTable,
    readonly text: string,
    readonly file: string,
  ) {
    this.locate = tomlLocator(text);
  }

  /** Decodes the text; a TOML syntax error is a `code` error naming the file and line. */
  static parse(text: string, file: string, code: ErrorCode, opts: { help?: string } = {}): PyprojectDocument {
    try {
      return new PyprojectDocument(parseToml(text), text, file);
    } catch (err) {
      if (!(err instanceof TomlError) && !(err instanceof Error)) throw err;
      const reason = err.message.split('\n')[0] ?? err.message;
      throw new PyvouchError(code, `not valid TOML: ${reason}`, {
        file,
        ...(err instanceof TomlError ? { line: err.line } : {}),
        ...(opts.help === undefined ? {} : { help: opts.help }),
        cause: err,
      });
    }
  }

  /** A `[tool.NAME]` table as written (`{}` when absent or not a table): its tool's own format. */
  tool(name: string): TomlTable {
    const tool = this.doc['tool'];
    const table = isTable(tool) ? tool[name] : undefined;
    return isTable(table) ? table : {};
  }

  /** Whether there is a `[tool.NAME]` table. */
  hasTool(name: string): boolean {
    const tool = this.doc['tool'];
    return isTable(tool) && isTable(tool[name]);
  }

  /** `[dependency-groups]` as written (PEP 735: requirement strings and `{include-group = …}` tables). */
  dependencyGroups(): TomlTable {
    const groups = this.doc['dependency-groups'];
    return isTable(groups) ? groups : {};
  }

  /** A collector for this file's problems, located in its text. */
  problems(code: ErrorCode): FieldProblems {
    return new FieldProblems(code, { file: this.file, locate: this.locate });
  }

  /** `[project]` with its fields type-checked (PEP 621); a bad field is recorded in `problems`. */
  project(problems: FieldProblems): ProjectTable | undefined {
    const f = fields(problems);
    const project = f.table(this.doc['project'], 'project');
    if (project === undefined) return undefined;
    let optional: Record<string, readonly string[]> | undefined;
    const optionalTable = f.table(project['optional-dependencies'], 'project.optional-dependencies');
    if (optionalTable !== undefined) {
      optional = {};
      for (const [extra, reqs] of Object.entries(optionalTable)) {
        optional[extra] = f.strings(reqs, `project.optional-dependencies.${extra}`) ?? [];
      }
    }
    const name = f.str(project['name'], 'project.name');
    const version = f.str(project['version'], 'project.version');
    const requiresPython = f.str(project['requires-python'], 'project.requires-python');
    const dependencies = f.strings(project['dependencies'], 'project.dependencies');
    return {
      ...(name === undefined ? {} : { name }),
      ...(version === undefined ? {} : { version }),
      ...(requiresPython === undefined ? {} : { requiresPython }),
      ...(dependencies === undefined ? {} : { dependencies }),
      ...(optional === undefined ? {} : { optionalDependencies: optional }),
      dynamic: (f.strings(project['dynamic'], 'project.dynamic') ?? []).map((d) => d.toLowerCase()),
    };
  }

  /** `[build-system]` with its fields type-checked (PEP 517/518). */
  buildSystem(problems: FieldProblems): BuildSystemTable | undefined {
    const f = fields(problems);
    const buildSystem = f.table(this.doc['build-system'], 'build-system');
    if (buildSystem === undefined) return undefined;
    const buildBackend = f.str(buildSystem['build-backend'], 'build-system.build-backend');
    return {
      requires: f.strings(buildSystem['requires'], 'build-system.requires') ?? [],
      ...(buildBackend === undefined ? {} : { buildBackend }),
      backendPath: f.strings(buildSystem['backend-path'], 'build-system.backend-path') ?? [],
    };
  }
}

/** Readers of optional typed fields: absent is fine, another type is a problem at the field's path. */
function fields(problems: FieldProblems): {
  table: (value: unknown, path: string) => TomlTable | undefined;
  str: (value: unknown, path: string) => string | undefined;
  strings: (value: unknown, path: string) => string[] | undefined;
} {
  const bad = (path: string, expected: string): void => problems.add(path, `expected ${expected}`);
  return {
    table: (value, path) => {
      if (value === undefined) return undefined;
      if (isTable(value)) return value;
      bad(path, 'a table');
      return undefined;
    },
    str: (value, path) => {
      if (value === undefined || typeof value === 'string') return value;
      bad(path, 'a string');
      return undefined;
    },
    strings: (value, path) => {
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
    },
  };
}

/**
 * The parts of pyproject.toml that decide how an sdist's dependencies are known: `[project]` and
 * `[build-system]`. Every bad field is reported, by its dotted path, in one METADATA_PARSE error.
 */
export function parsePyproject(text: string, file: string): Pyproject {
  const doc = PyprojectDocument.parse(text, file, 'METADATA_PARSE');
  const problems = new FieldProblems('METADATA_PARSE', {
    file,
    locate: doc.locate,
    headline: (_first, total) => `${total} invalid field(s) in pyproject.toml`,
  });
  const project = doc.project(problems);
  const buildSystem = doc.buildSystem(problems);
  problems.throwIfAny();
  return { ...(project === undefined ? {} : { project }), ...(buildSystem === undefined ? {} : { buildSystem }) };
}
