// The options of every command that resolves requirements (resolve, check -r, suggest -r). Kept
// apart from the resolver so that commands which only might resolve load it on demand: the resolver
// and the HTTP index client cost ~75 ms of start-up that `pyvouch check uv.lock` never needs.
import type { Command } from 'commander';
import type { TargetOptions } from './target.js';
import type { ResolveCommandOptions } from './resolve.js';
import { run } from './run.js';
import { collectOption } from './options.js';

export const DEFAULT_INDEX = 'https://pypi.org/simple/';

export interface ResolveInputOptions extends TargetOptions {
  requirement?: string[];
  constraint?: string[];
  index?: string[];
  pre?: boolean;
  rules?: string;
  build?: boolean;
  cache?: boolean;
}


/** The options every command that resolves shares (resolve, check -r, suggest -r). */
export function addResolveOptions(cmd: Command): Command {
  return cmd
    .option('-r, --requirement <file>', 'resolve the requirements in this file (repeatable)', collectOption)
    .option('-c, --constraint <file>', 'constrain versions with this file (repeatable)', collectOption)
    .option('--index <url|dir>', `a simple index URL or a directory of wheels and sdists (repeatable; default ${DEFAULT_INDEX}, or the file's --index-url)`, collectOption)
    .option('--pre', 'allow pre-releases of every package')
    .option('--rules <rules>', 'pip or uv: whose rules for pre-releases, yanked files and Requires-Python', 'pip')
    .option('--no-build', 'never run an sdist build backend, even sandboxed (dynamic sdists become unusable)')
    .option('--no-cache', 'do not use the on-disk caches (index pages, built sdist metadata)');
}


export function registerResolve(program: Command): void {
  addResolveOptions(
    program
      .command('resolve')
      .description('resolve requirements against an index for a target environment, as pip would')
      .argument('[requirements...]', 'PEP 508 requirements, e.g. "requests>=2.31"')
      .option('--python <version>', 'target Python version (e.g. 3.12)')
      .option('--platform <os>', 'target platform: linux, macos or windows')
      .option('--machine <arch>', 'target machine (e.g. x86_64, aarch64, arm64)')
      .option('--implementation <name>', 'target implementation (cpython, pypy)')
      .option('--format <format>', 'text, json or pylock', 'text')
      .option('--universal', 'resolve once for every environment (CPython 3.9-3.14 on Linux, macOS and Windows, narrowed by --requires-python), forking where markers diverge; --format pylock writes a lock for all of them')
      .option('--requires-python <specifier>', 'with --universal: the Python versions the project supports, e.g. ">=3.10"')
      .option('--matrix [targets]', 'resolve for several environments (default linux/macos/windows x 3.9-3.13, or e.g. linux:3.12,windows:3.10) and report what differs')
      .option('-o, --output <path>', 'write to a file instead of stdout'),
  ).action(run(async (args: string[], opts: ResolveCommandOptions) => (await import('./resolve.js')).runResolve(args, opts)));
}
