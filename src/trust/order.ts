// Orders and numbers shared by evaluation, suggestions and the trust web. Deterministic output
// depends on them: code-unit string order (never locale order) and weights free of float noise.
import { Version } from '../pep/version.js';

/** Code-unit order, the same on every machine and locale. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** PEP 440 order; strings that are not versions fall back to code-unit order. */
export function compareVersions(a: string, b: string): number {
  try {
    return Version.compare(a, b);
  } catch {
    return cmp(a, b);
  }
}

/** Sums of weights like 0.1 + 0.2 compare as people expect. */
export function round(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}
