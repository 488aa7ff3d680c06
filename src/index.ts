// The public surface of pyvouch as a library: named exports only.
export { PyvouchError, isPyvouchError } from './errors.js';
export type { ErrorCode, ErrorLocation } from './errors.js';
export type {
  Graph,
  GraphNode,
  GraphEdge,
  Artifact,
  TargetDescription,
  GraphDiagnostic,
  LockFormat,
  SelectionOptions,
} from './graph/graph.js';
export { indexGraph, pathFromRoot } from './graph/graph.js';
export type { Envelope, Statement, StoredStatement, StatementKind } from './attest/types.js';
export type { StatementStore, StatementQuery, PutResult } from './store/store.js';
