// The registry of named audit sources (cargo-vet's registry of imports, for pyvouch feeds): a TOML
// file shipped with pyvouch, extended or overridden by <config>/feed-registry.toml.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { PyvouchError } from '../errors.js';

export interface RegistryEntry {
  name: string;
  url: string;
  /** `sha256:<hex>` of the root role's keys (see rootFingerprint in tuf.ts). */
  rootFingerprint: string;
  description: string;
  /** Where the entry was read from. */
  file: string;
}

export const SHIPPED_REGISTRY = fileURLToPath(new URL('./registry.toml', import.meta.url));
export const USER_REGISTRY_FILE = 'feed-registry.toml';

export function parseRegistry(text: string, file: string): RegistryEntry[] {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text);
  } catch (err) {
    throw new PyvouchError('CONFIG_INVALID', `${file} is not TOML: ${(err as Error).message}`, { file, cause: err });
  }
  const sources = data['source'] ?? [];
  if (!Array.isArray(sources)) throw new PyvouchError('CONFIG_INVALID', 'expected [[source]] tables', { file, path: 'source' });
  return sources.map((s: unknown, i) => {
    const path = `source[${i}]`;
    const field = (key: string, pattern?: RegExp): string => {
      const v = (s as Record<string, unknown> | null)?.[key];
      if (typeof v !== 'string' || (pattern !== undefined && !pattern.test(v))) {
        throw new PyvouchError('CONFIG_INVALID', `${path}.${key}: expected ${pattern === undefined ? 'a string' : `a string matching ${String(pattern)}`}, got ${JSON.stringify(v)}`, {
          file,
          path: `${path}.${key}`,
        });
      }
      return v;
    };
    return {
      name: field('name', /^[a-z0-9][a-z0-9._-]{0,63}$/),
      url: field('url', /^https?:\/\/\S+$/),
      rootFingerprint: field('root-fingerprint', /^sha256:[0-9a-f]{64}$/),
      description: (s as Record<string, unknown>)['description'] === undefined ? '' : field('description'),
      file,
    };
  });
}

/** The shipped entries, then the user's (a user entry of the same name replaces the shipped one). */
export function loadRegistry(configDir: string, shipped: string = SHIPPED_REGISTRY): RegistryEntry[] {
  const byName = new Map<string, RegistryEntry>();
  for (const file of [shipped, join(configDir, USER_REGISTRY_FILE)]) {
    if (!existsSync(file)) continue;
    for (const entry of parseRegistry(readFileSync(file, 'utf8'), file)) byName.set(entry.name, entry);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function findRegistryEntry(configDir: string, name: string): RegistryEntry {
  const entries = loadRegistry(configDir);
  const entry = entries.find((e) => e.name === name);
  if (entry === undefined) {
    throw new PyvouchError('FEED_NOT_FOUND', `no audit source named '${name}' in the feed registry`, {
      help: `known: ${entries.map((e) => e.name).join(', ') || '(none)'}; add one to ${join(configDir, USER_REGISTRY_FILE)}`,
    });
  }
  return entry;
}
