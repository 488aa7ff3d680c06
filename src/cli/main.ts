// The command-line adapter: parses arguments with commander, runs one command, and maps outcomes
// to pyvouch's exit codes: 0 pass, 1 policy failure, 2 usage or input error. Errors print as
// `error[CODE]: message` plus a help line (JSON with --format json), never a stack unless --debug.
import { Command, CommanderError, Option } from 'commander';
import { PyvouchError, isPyvouchError } from '../errors.js';
import { currentIo, paint, setIo, type CommandIo } from './output.js';
import { setQuiet } from './progress.js';
import { EXIT_INPUT_ERROR, EXIT_PASS, takeOutcome } from './run.js';


type Register = (program: Command) => void;

/**
 * Each command module by the top-level commands it registers, loaded on demand: a run of one
 * command loads that command's module only (a full load of every module costs more start-up than
 * most commands' work). Order is the order of `--help`.
 */
const COMMAND_MODULES: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['graph'], load: async () => (await import('./graph.js')).registerGraph },
  { names: ['resolve'], load: async () => (await import('./resolve-options.js')).registerResolve },
  { names: ['check', 'suggest'], load: async () => (await import('./check.js')).registerCheck },
  { names: ['key'], load: async () => (await import('./key.js')).registerKey },
  { names: ['retract', 'review', 'audit', 'vote', 'like', 'flag', 'trust'], load: async () => (await import('./statements.js')).registerStatementCommands },
  { names: ['import', 'export', 'show'], load: async () => (await import('./store-commands.js')).registerStoreCommands },
  { names: ['serve'], load: async () => (await import('./serve.js')).registerServe },
  { names: ['log'], load: async () => (await import('./log.js')).registerLog },
  { names: ['provenance', 'accept-publisher'], load: async () => (await import('./provenance.js')).registerProvenance },
  { names: ['feed'], load: async () => (await import('./feed.js')).registerFeed },
  { names: ['scan'], load: async () => (await import('./scan.js')).registerScan },
  { names: ['advisories'], load: async () => (await import('./advisories.js')).registerAdvisories },
  { names: ['init'], load: async () => (await import('./init.js')).registerInit },
  { names: ['prune'], load: async () => (await import('./prune.js')).registerPrune },
  { names: ['policy'], load: async () => (await import('./policy-show.js')).registerPolicyShow },
  { names: ['inspect', 'diff', 'certify'], load: async () => (await import('./review-files.js')).registerReviewFiles },
];

/** The command `argv` runs (its first operand), or undefined when there is none (`--help`, `--version`). */
function commandOf(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/**
 * The program with the commands `argv` may run: only the named command's module when the name is
 * known, every module otherwise (help, suggestions after a typo, no command at all).
 */
export async function buildProgram(io?: CommandIo, argv: readonly string[] = []): Promise<Command> {
  const { VERSION } = await import('../version.js');
  const program = new Command('pyvouch')
    .description('Decide whether the Python packages you are about to install can be trusted, and explain why.')
    .version(VERSION)
    .addOption(new Option('--debug', 'print stack traces on errors'))
    .addOption(new Option('-q, --quiet', 'no progress line on stderr during long work'))
    .showSuggestionAfterError(true)
    .exitOverride();
  // Before the commands are added, so each inherits it (commander copies settings on creation).
  if (io !== undefined) program.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const name = commandOf(argv);
  const only = COMMAND_MODULES.find((m) => name !== undefined && m.names.includes(name));
  const versionOnly = name === undefined && (argv.includes('--version') || argv.includes('-V'));
  const modules = only !== undefined ? [only] : versionOnly ? [] : COMMAND_MODULES;
  const registers = await Promise.all(modules.map((m) => m.load()));
  for (const register of registers) register(program);
  return program;
}

function wantsJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--format=json') return true;
    if (argv[i] === '--format' && argv[i + 1] === 'json') return true;
  }
  return false;
}

export function reportError(err: unknown, argv: readonly string[]): number {
  const debug = argv.includes('--debug');
  const pe: PyvouchError = isPyvouchError(err)
    ? err
    : new PyvouchError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  const io = currentIo();
  if (wantsJson(argv)) {
    io.stdout(`${JSON.stringify({ error: pe.toJSON() }, null, 2)}\n`);
  } else {
    const color = io.color.stderr;
    let text = `${paint(color, 'red', `error[${pe.code}]`)}: ${pe.describe()}\n`;
    if (pe.help !== undefined) text += `  ${paint(color, 'cyan', 'help')}: ${pe.help}\n`;
    io.stderr(text);
  }
  if (debug && err instanceof Error && err.stack !== undefined) io.stderr(`${err.stack}\n`);
  if (!isPyvouchError(err) && !debug) {
    io.stderr('  (an unexpected error: please report it with the output of --debug)\n');
  }
  return EXIT_INPUT_ERROR;
}

/**
 * Runs one command and returns its exit code. `io` captures its output (tests run commands
 * in-process this way); by default it is the process's stdout and stderr.
 */
export async function main(argv: readonly string[] = process.argv, io?: CommandIo): Promise<number> {
  setIo(io);
  setQuiet(argv.includes('--quiet') || argv.includes('-q'));
  const program = await buildProgram(io, argv);
  takeOutcome();
  try {
    await program.parseAsync(argv);
    return takeOutcome() ?? EXIT_PASS;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors; commander already printed the usage problem.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT_PASS;
      }
      return EXIT_INPUT_ERROR;
    }
    return reportError(err, argv);
  } finally {
    setIo(undefined);
  }
}
