// Reads pdm.lock (pdm 2.x) into a Graph for one target.
import { PyvouchError } from '../errors.js';
import type { Graph, SelectionOptions, TargetDescription } from '../graph/graph.js';

export function readPdmLock(_text: string, file: string, _target: TargetDescription, _selection: SelectionOptions = {}, _pyproject?: { text: string; file: string }): Graph {
  throw new PyvouchError('LOCK_UNSUPPORTED', `${file} is a pdm.lock; pdm.lock is not supported yet`, { file, help: 'export it with `pdm export -o requirements.txt` and check that' });
}
