// `pyvouch advisories import DIR|ZIP` and `pyvouch advisories list`: the local database of OSV
// records (malicious-packages MAL- records and ordinary advisories) the scanner matches against.
import type { Command } from 'commander';
import { loadAdvisories, readOsvRecords, saveAdvisories } from '../scan/advisories.js';
import { pyvouchDirs } from './paths.js';
import { EXIT_INPUT_ERROR, EXIT_PASS, run } from './run.js';
import { currentIo, formatOption, printJson } from './output.js';

export function registerAdvisories(program: Command): void {
  const cmd = program.command('advisories').description('import and list OSV advisories (known malicious and vulnerable releases)');
  cmd
    .command('import')
    .description('import OSV records from a directory tree or a zip (e.g. ossf/malicious-packages osv/, an osv.dev PyPI export)')
    .argument('<source>', 'a directory of OSV .json files, or a .zip of them')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (source: string, opts: { format: string }) => {
        const dir = pyvouchDirs().data;
        const { advisories, report } = await readOsvRecords(source, await loadAdvisories(dir));
        const path = await saveAdvisories(dir, advisories);
        if (opts.format === 'json') {
          printJson({ ...report, problems: report.problems.map((p) => p.toJSON()), total: advisories.length, file: path });
        } else {
          currentIo().stdout(`read ${report.read} record(s): ${report.imported} imported, ${report.withdrawn} withdrawn, ${report.skipped} skipped (not PyPI or older); ${advisories.length} in ${path}\n`);
          for (const p of report.problems) currentIo().stderr(`warning: ${p.describe()}\n`);
        }
        return report.problems.length > 0 && report.imported === 0 ? EXIT_INPUT_ERROR : EXIT_PASS;
      }),
    );
  cmd
    .command('list')
    .description('list the imported advisories')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (opts: { format: string }) => {
        const advisories = await loadAdvisories(pyvouchDirs().data);
        if (opts.format === 'json') printJson({ advisories });
        else for (const a of advisories) currentIo().stdout(`${a.id}\t${a.malicious ? 'malicious' : a.severity}\t${[...new Set(a.affected.map((x) => x.name))].join(',')}\t${a.summary}\n`);
        return EXIT_PASS;
      }),
    );
}
