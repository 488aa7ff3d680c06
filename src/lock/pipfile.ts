// Reads Pipfile.lock (pipenv) into a Graph for one target.
import { PyvouchError } from '../errors.js';
import type { Graph, SelectionOptions, TargetDescription } from '../graph/graph.js';

export function readPipfileLock(_text: string, file: string, _target: TargetDescription, _selection: SelectionOptions = {}): Graph {
  throw new PyvouchError('LOCK_UNSUPPORTED', `${file} is a Pipfile.lock; Pipfile.lock is not supported yet`, { file, help: 'export it with `pipenv requirements > requirements.txt` and check that' });
}
