// The command-line adapter: parses arguments with commander, runs one command, and maps outcomes
// to pyvouch's exit codes: 0 pass, 1 policy failure, 2 usage or input error. Errors print as
// `error[CODE]: message` plus a help line (JSON with --format json), never a stack unless --debug.
import { Command, CommanderError, Option } from 'commander';
import { PyvouchError, isPyvouchError } from '../errors.js';
import { currentIo, paint, setIo, type CommandIo } from './output.js';
import { setQuiet } from './progress.js';
import { registerGraph } from './graph.js';
import { registerResolve } from './resolve-options.js';
import { registerKey } from './key.js';
import { registerStatementCommands } from './statements.js';
import { registerStoreCommands } from './store-commands.js';
import { registerCheck } from './check.js';
import { VERSION } from '../version.js';
import { registerLog } from './log.js';
import { registerServe } from './serve.js';
import { registerProvenance } from './provenance.js';
import { registerFeed } from './feed.js';
import { registerScan } from './scan.js';
import { registerAdvisories } from './advisories.js';
import { registerInit } from './init.js';
import { registerPrune } from './prune.js';
import { registerPolicyShow } from './policy-show.js';
import { registerReviewFiles } from './review-files.js';
import { EXIT_INPUT_ERROR, EXIT_PASS, takeOutcome } from './run.js';


export function buildProgram(io?: CommandIo): Command {
  const program = new Command('pyvouch')
    .description('Decide whether the Python packages you are about to install can be trusted, and explain why.')
    .version(VERSION)
    .addOption(new Option('--debug', 'print stack traces on errors'))
    .addOption(new Option('-q, --quiet', 'no progress line on stderr during long work'))
    .showSuggestionAfterError(true)
    .exitOverride();
  // Before the commands are added, so each inherits it (commander copies settings on creation).
  if (io !== undefined) program.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerGraph(program);
  registerResolve(program);
  registerCheck(program);
  registerKey(program);
  registerStatementCommands(program);
  registerStoreCommands(program);
  registerServe(program);
  registerLog(program);
  registerProvenance(program);
  registerFeed(program);
  registerScan(program);
  registerAdvisories(program);
  registerInit(program);
  registerPrune(program);
  registerPolicyShow(program);
  registerReviewFiles(program);
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
  const program = buildProgram(io);
  setIo(io);
  setQuiet(argv.includes('--quiet') || argv.includes('-q'));
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
