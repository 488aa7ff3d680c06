// `pyvouch log`: the gated index's decision log (what `pyvouch serve` served, refused or hid, for
// whom and why), newest first, as text or JSON.
import { Option, type Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { canonicalizeName } from '../pep/name.js';
import {
  DECISION_ACTIONS,
  DECISION_VERDICTS,
  openDecisionLog,
  type DecisionAction,
  type DecisionQuery,
  type DecisionVerdict,
  type StoredDecision,
} from '../store/decisions.js';
import { openStore } from '../store/open.js';
import { formatOption, makeSink, paint, parseFormat } from './output.js';
import { pyvouchDirs } from './paths.js';
import { EXIT_PASS, run } from './run.js';

interface LogOptions {
  store?: string;
  limit: string;
  project?: string;
  verdict?: string;
  action?: string;
  before?: string;
  format: string;
}

export function renderDecisionsText(entries: readonly StoredDecision[], color: boolean): string {
  if (entries.length === 0) return 'no decisions match\n';
  const lines: string[] = [];
  for (const e of entries) {
    const style = e.action === 'serve' ? 'green' : e.action === 'audit' ? 'yellow' : 'red';
    const release = `${e.project} ${e.version}`.trim();
    lines.push(
      `${paint(color, 'gray', e.time)}  ${paint(color, style, e.action.padEnd(6))} ${e.verdict.padEnd(6)} ${paint(color, 'bold', release)}  ${e.filename}  ${e.client}  ${paint(color, 'dim', `(${e.mode} mode, #${e.id})`)}`,
    );
    if (e.action !== 'serve') for (const reason of e.reasons) lines.push(`    - ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function positive(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new PyvouchError('USAGE', `${name} takes a positive integer, got '${value}'`);
  return Number(value);
}

export function registerLog(program: Command): void {
  program
    .command('log')
    .description("show the gated index's decisions (pyvouch serve), newest first")
    .option('--store <path|url>', 'statement store and decision log: a SQLite file or a postgres:// URL')
    .option('--limit <n>', 'show at most N decisions', '50')
    .option('--project <name>', 'only decisions about this project')
    .addOption(new Option('--verdict <verdict>', 'only this verdict').choices([...DECISION_VERDICTS]))
    .addOption(new Option('--action <action>', 'only this action').choices([...DECISION_ACTIONS]))
    .option('--before <id>', 'only decisions older than this id (to page back)')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (opts: LogOptions) => {
        const format = parseFormat(opts.format, ['text', 'json']);
        const query: DecisionQuery = { limit: positive('--limit', opts.limit) };
        if (opts.project !== undefined) query.project = canonicalizeName(opts.project);
        if (opts.verdict !== undefined) query.verdict = opts.verdict as DecisionVerdict;
        if (opts.action !== undefined) query.action = opts.action as DecisionAction;
        if (opts.before !== undefined) query.before = positive('--before', opts.before);
        const dataDir = pyvouchDirs().data;
        // The statement store claims (and migrates) the file or schema the log lives in.
        const store = await openStore(opts.store, dataDir);
        let entries: StoredDecision[];
        try {
          const log = await openDecisionLog(opts.store, dataDir);
          try {
            entries = await log.query(query);
          } finally {
            await log.close();
          }
        } finally {
          await store.close();
        }
        const sink = makeSink();
        sink.write(format === 'json' ? `${JSON.stringify({ entries }, null, 2)}\n` : renderDecisionsText(entries, sink.color));
        return EXIT_PASS;
      }),
    );
}
