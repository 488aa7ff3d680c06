// `pyvouch scan DIST|NAME==VERSION|LOCKFILE` and `pyvouch scan --names FILE|-`: runs the automatic
// assessors (src/scan/) and prints their findings as text, JSON or SARIF 2.1.0. Exit 0 when
// nothing is found, 1 when something is, 2 on bad input.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { loadLockFile } from '../lock/load.js';
import { openIndex } from '../simple/open.js';
import { AdvisoryIndex, loadAdvisories } from '../scan/advisories.js';
import { findingJson, type Finding } from '../scan/finding.js';
import { ScanCache, scanDistribution, scanGraph, scanRelease } from '../scan/scan.js';
import { checkNames, TyposquatIndex } from '../scan/typosquat.js';
import { VERSION } from '../version.js';
import { makeSink, paint, parseFormat, type Sink } from './output.js';
import { pyvouchDirs } from './paths.js';
import { createProgress } from './progress.js';
import { EXIT_PASS, EXIT_POLICY_FAILURE, run } from './run.js';
import { addTargetOptions, selectionFromOptions, targetFromOptions, type TargetOptions } from './target.js';

interface ScanOptions extends TargetOptions {
  names?: string;
  index?: string;
  format: string;
  output?: string;
}

const DIST = /\.(whl|tar\.gz|zip|tgz)$/i;
const PIN = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*([^\s;]+)\s*$/;

export function registerScan(program: Command): void {
  addTargetOptions(
    program
      .command('scan')
      .description('run the automatic assessors (typosquat, install-time code, metadata, advisories) on a file, a release or a lock file')
      .argument('[target]', 'a wheel or sdist file, NAME==VERSION, or a lock file')
      .option('--names <file>', "check names only, one a line ('-' reads stdin)")
      .option('--index <url|dir>', 'the package index to fetch releases and project history from')
      .option('--format <format>', 'text, json or sarif', 'text')
      .option('-o, --output <file>', 'write the report to a file'),
  ).action(run(scanCommand));
}

async function scanCommand(target: string | undefined, opts: ScanOptions): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json', 'sarif']);
  const dirs = pyvouchDirs();
  const typosquat = TyposquatIndex.shipped();
  let findings: Finding[];
  const notes: string[] = [];
  const progress = createProgress();
  try {
    if (opts.names !== undefined) {
      if (target !== undefined) throw new PyvouchError('USAGE', 'give either --names or a target, not both');
      const text = opts.names === '-' ? readFileSync(0, 'utf8') : readInput(opts.names);
      findings = checkNames(text.split(/\r?\n/), typosquat);
    } else {
      if (target === undefined) throw new PyvouchError('USAGE', 'nothing to scan', { help: 'pyvouch scan FILE.whl | NAME==VERSION | LOCKFILE, or pyvouch scan --names FILE' });
      const advisories = new AdvisoryIndex(await loadAdvisories(dirs.data));
      if (advisories.advisories.length === 0) notes.push('no advisories imported: run `pyvouch advisories import DIR|ZIP` to check known malicious and vulnerable releases');
      const ctx = {
        typosquat,
        advisories,
        cache: new ScanCache(join(dirs.cache, 'scan')),
        ...(opts.index === undefined ? {} : { index: openIndex(opts.index, { cacheDir: join(dirs.cache, 'index'), progress }) }),
      };
      const pin = PIN.exec(target);
      progress.step(`scan ${target}`);
      if (DIST.test(target) && existsSync(target)) {
        findings = (await scanDistribution(new Uint8Array(readFileSync(target)), target, ctx)).findings;
      } else if (pin !== null && !existsSync(target)) {
        if (ctx.index === undefined) throw new PyvouchError('USAGE', `scanning ${target} needs an index`, { help: 'pass --index https://pypi.org/simple/ (or a directory of distributions)' });
        findings = (await scanRelease(pin[1]!, pin[2]!, ctx)).findings;
      } else {
        if (!existsSync(target)) throw new PyvouchError('USAGE', `'${target}' is neither a file nor NAME==VERSION`, { help: 'pyvouch scan FILE.whl | NAME==VERSION | LOCKFILE' });
        const graph = loadLockFile(target, targetFromOptions(opts), selectionFromOptions(opts));
        const result = await scanGraph(graph, ctx);
        findings = result.findings;
        for (const p of result.problems) {
          findings.push({ assessor: 'install-code', kind: 'install-time-code', name: p.name, version: p.version, rule: 'not-scanned', severity: 'medium', message: `could not be scanned: ${p.error.message}` });
        }
        if (ctx.index === undefined) notes.push('no --index: only names and advisories were checked for files not in the scan cache');
      }
    }
  } finally {
    progress.stop();
  }
  const sink = makeSink(opts.output);
  render(sink, format, findings, notes);
  sink.flush();
  return findings.length === 0 ? EXIT_PASS : EXIT_POLICY_FAILURE;
}

function readInput(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new PyvouchError('USAGE', `cannot read '${path}': ${(err as Error).message}`, { file: path });
  }
}

function render(sink: Sink, format: string, findings: readonly Finding[], notes: readonly string[]): void {
  if (format === 'json') {
    sink.write(`${JSON.stringify({ findings: findings.map(findingJson), ...(notes.length > 0 ? { notes } : {}) }, null, 2)}\n`);
    return;
  }
  if (format === 'sarif') {
    sink.write(`${JSON.stringify(sarif(findings), null, 2)}\n`);
    return;
  }
  for (const note of notes) sink.warn(`note: ${note}`);
  if (findings.length === 0) {
    sink.write('no findings\n');
    return;
  }
  const colors = { critical: 'red', high: 'red', medium: 'yellow', low: 'cyan' } as const;
  for (const f of findings) {
    const where = f.file === undefined ? '' : ` ${f.distribution === undefined ? '' : `${f.distribution}!`}${f.file}${f.line === undefined ? '' : `:${f.line}`}`;
    const release = f.version === undefined ? f.name : `${f.name} ${f.version}`;
    sink.write(`${paint(sink.color, colors[f.severity], f.severity.padEnd(8))} ${release}${where} [${f.rule}] ${f.message}\n`);
    if (f.excerpt !== undefined) sink.write(`         | ${f.excerpt}\n`);
  }
  sink.write(`${findings.length} finding(s)\n`);
}

const SARIF_LEVEL = { critical: 'error', high: 'error', medium: 'warning', low: 'note' } as const;

function sarif(findings: readonly Finding[]): Record<string, unknown> {
  const rules = [...new Set(findings.map((f) => f.rule))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'pyvouch-scan', version: VERSION, informationUri: 'https://pyvouch.dev', rules: rules.map((id) => ({ id })) } },
        results: findings.map((f) => ({
          ruleId: f.rule,
          level: SARIF_LEVEL[f.severity],
          message: { text: `${f.version === undefined ? f.name : `${f.name} ${f.version}`}: ${f.message}` },
          properties: findingJson(f),
          ...(f.file === undefined
            ? {}
            : {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: f.distribution === undefined ? f.file : `${f.distribution}/${f.file}` },
                      ...(f.line === undefined ? {} : { region: { startLine: f.line, ...(f.excerpt === undefined ? {} : { snippet: { text: f.excerpt } }) } }),
                    },
                  },
                ],
              }),
        })),
      },
    ],
  };
}
