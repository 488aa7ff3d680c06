// The package's own version, read from package.json so that it is written in one place.
// src/version.ts and the built dist/version.js both sit one level below the package root.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const raw: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  if (typeof raw === 'object' && raw !== null && 'version' in raw && typeof raw.version === 'string') return raw.version;
  return '0.0.0';
}

export const VERSION: string = readVersion();
