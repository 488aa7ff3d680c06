// The part of `check --format json` that the multi-target tests read (docs/check-json.md): the
// targets checked and left out, and each node's verdict with the targets it installs and fails on.
export interface TargetsJsonNode {
  name: string;
  version: string;
  verdict: string;
  targets?: string[];
  failsOn?: string[];
}

export interface TargetsJsonReport {
  environment: unknown;
  passed: boolean;
  targets?: { checked: string[]; excluded: { label: string; reason: string }[] };
  nodes: TargetsJsonNode[];
}
