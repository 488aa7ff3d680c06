// `pyvouch import|export|show`: move signed statements in and out of the store, and read them.
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { toJsonLd } from '../attest/jsonld.js';
import type { StoredStatement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import { openStore } from '../store/open.js';
import { describeRejection, readEnvelopeValues, rejectionJson } from '../app/envelope-files.js';
import { importStatements } from '../app/import.js';
import { currentIo, formatOption, paint, printJson } from './output.js';
import { pyvouchDirs } from './paths.js';
import { withProgress } from './progress.js';
import { run } from './run.js';

// One transaction per 10,000 statements: measured ~50% faster than 1,000 on SQLite (bench/store.ts).
const BATCH = 10_000;

export function registerStoreCommands(program: Command): void {
  program
    .command('import')
    .description('verify and store signed statements from files or directories of envelopes')
    .argument('<path...>', '.json (one envelope or an array), .jsonl (one per line), or a directory')
    .option('--store <path|url>', 'statement store: a SQLite file or a postgres:// URL')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (paths: string[], opts: { store?: string; format: string }) => {
        const envelopes = readEnvelopeValues(paths);
        const store = await openStore(opts.store, pyvouchDirs().data);
        let loaded;
        try {
          loaded = await withProgress(`import: verifying and storing ${envelopes.values.length} statements`, () =>
            importStatements({ store, envelopes, now: new Date(), batch: BATCH }),
          );
        } finally {
          await store.close();
        }
        const inserted = loaded.imported;
        const duplicates = loaded.duplicates;
        if (opts.format === 'json') {
          printJson({ files: loaded.files, imported: inserted, duplicates, rejected: loaded.rejected.map(rejectionJson) });
        } else {
          const color = currentIo().color.stderr;
          for (const r of loaded.rejected) currentIo().stderr(`${paint(color, 'red', 'rejected')} ${describeRejection(r)}\n`);
          currentIo().stdout(`imported ${inserted} statement${inserted === 1 ? '' : 's'} (${duplicates} already stored, ${loaded.rejected.length} rejected) from ${loaded.files} file${loaded.files === 1 ? '' : 's'}\n`);
        }
        // Rejected input is an input error: scripts must notice, though the good ones were stored.
        return loaded.rejected.length > 0 ? 2 : 0;
      }),
    );

  program
    .command('export')
    .description('write every stored envelope, one JSON object per line (or the merged JSON-LD graph)')
    .option('--jsonld', 'the merged graph as one JSON-LD document (@graph, schema.org context)')
    .option('-o, --output <path>', 'write to a file instead of stdout')
    .option('--store <path|url>', 'statement store')
    .action(
      run(async (opts: { jsonld?: boolean; output?: string; store?: string }) => {
        const store = await openStore(opts.store, pyvouchDirs().data);
        // A file is streamed (an export can be larger than memory); stdout is the command's io.
        const file = opts.output === undefined || opts.output === '-' ? undefined : createWriteStream(opts.output);
        const out = { write: file === undefined ? currentIo().stdout : (text: string) => void file.write(text) };
        try {
          if (opts.jsonld === true) {
            const all: StoredStatement[] = [];
            for await (const s of store.all()) all.push(s);
            out.write(`${JSON.stringify(toJsonLd(all), null, 2)}\n`);
          } else {
            for await (const s of store.all()) out.write(`${JSON.stringify(s.envelope)}\n`);
          }
        } finally {
          await store.close();
          if (file !== undefined) await new Promise<void>((resolve, reject) => file.end(() => resolve()).on('error', reject));
        }
        return 0;
      }),
    );

  program
    .command('show')
    .description('who said what about a package, when and why')
    .argument('<package>', 'NAME or NAME==VERSION')
    .option('--store <path|url>', 'statement store')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (spec: string, opts: { store?: string; format: string }) => {
        const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:==\s*(\S+))?\s*$/.exec(spec);
        if (m === null) throw new PyvouchError('USAGE', `expected NAME or NAME==VERSION, got '${spec}'`);
        const name = canonicalizeName(m[1]!);
        const version = m[2] === undefined ? undefined : new Version(m[2]).toString();
        const store = await openStore(opts.store, pyvouchDirs().data);
        let found: StoredStatement[];
        let retractions: StoredStatement[];
        try {
          found = await store.find({ name, ...(version === undefined ? {} : { version }) });
          retractions = await store.find({ kind: 'retract' });
        } finally {
          await store.close();
        }
        // A statement its own author retracted is shown as retracted (and never as standing).
        const retractedBy = new Map<string, string>();
        for (const { statement: r } of retractions) {
          for (const id of r.retracts ?? []) {
            const target = found.find((f) => f.statement.id === id);
            if (target !== undefined && target.statement.agent === r.agent) retractedBy.set(id, r.id);
          }
        }
        found.sort((a, b) => Version.compare(a.statement.package!.version, b.statement.package!.version) || a.statement.startTime.localeCompare(b.statement.startTime));
        if (opts.format === 'json') {
          printJson(found.map((s) => (retractedBy.has(s.statement.id) ? { ...s.statement, retractedBy: retractedBy.get(s.statement.id) } : s.statement)));
          return 0;
        }
        if (found.length === 0) {
          currentIo().stdout(`no statements about ${name}${version === undefined ? '' : `==${version}`}\n`);
          return 0;
        }
        const color = currentIo().color.stdout;
        let current = '';
        for (const { statement: s } of found) {
          const v = s.package!.version;
          if (v !== current) {
            currentIo().stdout(`${paint(color, 'bold', `${name} ${v}`)}\n`);
            current = v;
          }
          const what =
            s.kind === 'vote' ? `vote ${s.vote ?? ''}` :
            s.kind === 'flag' ? `flag ${s.finding?.kind ?? ''} (${s.finding?.severity ?? ''})` :
            s.kind === 'review' ? `review ${s.rating ?? ''}${s.criteria.length > 0 ? ` [${s.criteria.join(', ')}]` : ''}` :
            s.kind === 'assess' ? `audit [${s.criteria.join(', ')}]` : s.kind;
          const delta = s.deltaFrom === undefined ? '' : ` (diff from ${s.deltaFrom})`;
          const who = s.agentName === undefined ? s.agent : `${s.agentName} <${s.agent}>`;
          const until = s.endTime === undefined ? '' : `, until ${s.endTime.slice(0, 10)}`;
          const gone = retractedBy.get(s.id);
          const shown = gone === undefined ? paint(color, s.kind === 'flag' ? 'red' : 'green', what) : paint(color, 'gray', `${what} (retracted by its author, statement ${gone.slice(0, 12)})`);
          currentIo().stdout(`  ${shown}${delta} by ${who} on ${s.startTime.slice(0, 10)}${until}\n`);
          if (s.description !== '') currentIo().stdout(`    "${s.description}"\n`);
          currentIo().stdout(`    ${paint(color, 'gray', `statement ${s.id}; ${s.subjects.length} file${s.subjects.length === 1 ? '' : 's'}`)}\n`);
        }
        return 0;
      }),
    );
}
