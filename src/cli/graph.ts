// `pyvouch graph FILE`: read a lock file for a target environment and print its dependency graph.
import type { Command } from 'commander';
import { loadLockFile } from '../lock/load.js';
import { markerEnvironmentFor } from '../pep/environment.js';
import { graphToJson, renderGraphText } from '../render/graph.js';
import { formatOption, makeSink, parseFormat } from './output.js';
import { addTargetOptions, selectionFromOptions, targetFromOptions, type TargetOptions } from './target.js';
import { run } from './run.js';

interface GraphOptions extends TargetOptions {
  format: string;
  output?: string;
}

export function registerGraph(program: Command): void {
  addTargetOptions(
    program
      .command('graph')
      .description('print the dependency graph a lock file installs for a target environment')
      .argument('<file>', 'pylock.toml, requirements.txt, uv.lock, poetry.lock, pdm.lock or Pipfile.lock')
      .addOption(formatOption(['text', 'json']))
      .option('-o, --output <path>', 'write to a file instead of stdout'),
  ).action(
    run(async (file: string, opts: GraphOptions) => {
      const format = parseFormat(opts.format, ['text', 'json']);
      const target = targetFromOptions(opts);
      const graph = loadLockFile(file, target, selectionFromOptions(opts));
      const sink = makeSink(opts.output);
      if (format === 'json') {
        const markers = markerEnvironmentFor(target) as unknown as Record<string, string>;
        sink.write(`${JSON.stringify(graphToJson(graph, markers), null, 2)}\n`);
      } else {
        sink.write(renderGraphText(graph, sink.color));
      }
      sink.flush();
      return 0;
    }),
  );
}
