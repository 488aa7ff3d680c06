// `pyvouch check FILE` and `pyvouch suggest FILE`: read the lock for a target, gather the statements
// about its packages (from the store and from --statements feeds), evaluate the policy, and render
// the verdicts (text, JSON, SARIF, HTML) or the cheapest reviews that would make the graph pass.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { Statement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import { loadLockFile } from '../lock/load.js';
import { openStore } from '../store/open.js';
import { evaluatePolicy } from '../trust/evaluate.js';
import { findPolicy, loadPolicy } from '../trust/load.js';
import type { Policy } from '../trust/policy.js';
import { suggestReviews } from '../trust/suggest.js';
import { checkToJson, renderCheckText, renderSuggestText, type CheckContext } from '../render/check.js';
import { renderCheckHtml } from '../render/html.js';
import { checkToSarif, lockLineLocator } from '../render/sarif.js';
import { describeRejection, loadEnvelopes } from './envelope-files.js';
import { reviewSizes } from './sizes.js';
import { addResolveOptions, type ResolveInputOptions } from './resolve-options.js';
import { makeSink, paint, parseFormat, colorEnabled } from './output.js';
import { pyvouchDirs } from './paths.js';
import { EXIT_PASS, EXIT_POLICY_FAILURE, run } from './run.js';
import { addTargetOptions, selectionFromOptions, targetFromOptions, type TargetOptions } from './target.js';

import { VERSION } from '../version.js';

interface CheckOptions extends TargetOptions, ResolveInputOptions {
  policy?: string;
  format: string;
  output?: string;
  store?: string;
  statements?: string[];
  db: boolean;
  at?: string;
  verbose?: boolean;
  dist?: string;
  advisories?: string[];
}

async function resolvePolicy(lockPath: string, explicit: string | undefined): Promise<Policy> {
  if (explicit !== undefined) return loadPolicy(explicit);
  const found = (await findPolicy(dirname(lockPath))) ?? (await findPolicy(process.cwd()));
  if (found === undefined) {
    throw new PyvouchError('USAGE', `no policy: neither ${dirname(lockPath)} nor the current directory has a pyvouch.toml or a [tool.pyvouch] table`, {
      help: 'pass one with --policy PATH (see docs/policy.md)',
    });
  }
  return found;
}

function evaluationTime(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new PyvouchError('USAGE', `cannot read --at '${at}'`, { help: 'use an RFC 3339 time, e.g. 2026-06-01T00:00:00Z' });
  return new Date(ms);
}

/** Everything `check` and `suggest` share: graph, policy, statements, report and suggestions. */
async function evaluate(file: string | undefined, opts: CheckOptions): Promise<CheckContext & { lockText: string }> {
  let graph: Graph;
  if (file !== undefined) {
    if (opts.requirement !== undefined) throw new PyvouchError('USAGE', 'give a lock file or -r requirements, not both');
    graph = loadLockFile(file, targetFromOptions(opts), selectionFromOptions(opts));
  } else if (opts.requirement !== undefined) {
    // No lock file: resolve the requirements against the index, as pip would, then check that graph.
    graph = await (await import('./resolve.js')).resolveGraph([], opts);
  } else {
    throw new PyvouchError('USAGE', 'nothing to check', { help: 'pass a lock file (pyvouch check uv.lock) or requirements to resolve (pyvouch check -r requirements.in)' });
  }
  const anchor = file ?? opts.requirement![0]!;
  const policy = await resolvePolicy(anchor, opts.policy);
  const now = evaluationTime(opts.at);

  const byId = new Map<string, Statement>();
  if (opts.db) {
    const store = await openStore(opts.store, pyvouchDirs().data);
    try {
      const names = graph.nodes.map((n) => n.name);
      for (const s of await store.forPackages(names)) byId.set(s.statement.id, s.statement);
      for (const s of await store.trustStatements()) byId.set(s.statement.id, s.statement);
    } finally {
      await store.close();
    }
  }
  if (opts.statements !== undefined && opts.statements.length > 0) {
    const loaded = loadEnvelopes(opts.statements, { now });
    const color = colorEnabled(process.stderr);
    // A statement that fails verification counts for nothing (fail closed), and the user is told.
    for (const r of loaded.rejected) process.stderr.write(`${paint(color, 'yellow', 'warning')}: ignored ${describeRejection(r)}\n`);
    for (const s of loaded.accepted) byId.set(s.statement.id, s.statement);
  }
  const statements = [...byId.values()];
  const cooldown = opts.advisories === undefined ? {} : { advisories: (await import('./advisory-files.js')).loadAdvisoryFiles(opts.advisories) };
  const report = evaluatePolicy(graph, statements, policy, { now, cooldown });
  let sizeOptions = {};
  if (opts.dist !== undefined) {
    const measured = await reviewSizes(opts.dist, graph, report);
    for (const why of measured.skipped) process.stderr.write(`warning: not measured: ${why}\n`);
    sizeOptions = { sizes: measured.sizes, deltaSizes: measured.deltaSizes };
  }
  const suggestions = suggestReviews(report, graph, policy, sizeOptions);
  return {
    graph,
    report,
    suggestions,
    statements: statements.length,
    ...(policy.file === undefined ? {} : { policyFile: policy.file }),
    lockText: file === undefined ? '' : readFileSync(file, 'utf8'),
  };
}

function checkCommand(program: Command, name: string, description: string): Command {
  return addResolveOptions(addTargetOptions(
    program
      .command(name)
      .description(description)
      .argument('[file]', 'pylock.toml, requirements.txt, uv.lock or poetry.lock (or resolve -r requirements instead)')
      .option('--policy <path>', 'the policy: pyvouch.toml or a pyproject.toml with [tool.pyvouch] (default: found beside the lock file or in the current directory)')
      .option('--statements <path>', 'also weigh the signed statements in these files or directories (repeatable; verified, not stored)', (v: string, prev: string[] = []) => [...prev, v])
      .option('--store <path|url>', 'statement store: a SQLite file or a postgres:// URL')
      .option('--no-db', 'do not read the statement store (only --statements)')
      .option('--at <time>', 'evaluate as of this time (RFC 3339) instead of now')
      .option('--advisories <file>', 'trusted advisories (OSV JSON) whose fixes may pass the min-age cooldown early (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
      .option('--dist <dir>', 'wheels and sdists at hand (e.g. from pip download): size the suggested reviews by the code to read')
      .option('-o, --output <path>', 'write to a file instead of stdout'),
  ));
}

export function registerCheck(program: Command): void {
  checkCommand(program, 'check', 'check that every package a lock file installs meets the trust policy, and explain each verdict')
    .option('--format <format>', 'text, json, sarif or html', 'text')
    .option('-v, --verbose', 'also explain the passing packages')
    .action(
      run(async (file: string | undefined, opts: CheckOptions) => {
        const format = parseFormat(opts.format, ['text', 'json', 'sarif', 'html']);
        const ctx = await evaluate(file, opts);
        const sink = makeSink(opts.output);
        switch (format) {
          case 'json':
            sink.write(`${JSON.stringify(checkToJson(ctx), null, 2)}\n`);
            break;
          case 'sarif':
            sink.write(`${JSON.stringify(checkToSarif(ctx, { toolVersion: VERSION, locate: lockLineLocator(ctx.lockText) }), null, 2)}\n`);
            break;
          case 'html':
            sink.write(renderCheckHtml(ctx));
            break;
          default:
            sink.write(renderCheckText(ctx, sink.color, { verbose: opts.verbose === true }));
        }
        sink.flush();
        return ctx.report.passed ? EXIT_PASS : EXIT_POLICY_FAILURE;
      }),
    );

  checkCommand(program, 'suggest', 'the fewest, cheapest reviews that would make the lock file pass the policy')
    .option('--format <format>', 'text or json', 'text')
    .action(
      run(async (file: string | undefined, opts: CheckOptions) => {
        const format = parseFormat(opts.format, ['text', 'json']);
        const ctx = await evaluate(file, opts);
        const sink = makeSink(opts.output);
        if (format === 'json') sink.write(`${JSON.stringify({ passed: ctx.report.passed, ...ctx.suggestions }, null, 2)}\n`);
        else sink.write(renderSuggestText(ctx, sink.color));
        sink.flush();
        return ctx.report.passed ? EXIT_PASS : EXIT_POLICY_FAILURE;
      }),
    );
}
