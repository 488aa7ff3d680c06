// The only I/O of trust/: reads a policy file (pyvouch.toml, or pyproject.toml's [tool.pyvouch]),
// follows its `extends` chain (paths, or https URLs fetched with the index HTTP client; anything
// unreachable fails closed), and hands the merged table to the pure parser.

import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PyvouchError } from '../errors.js';
import { HttpClient } from '../simple/http.js';
import { parsePolicy, parsePolicyToml, policyTableOf } from './parse.js';
import { extendsOf, mergePolicyDocuments } from './extends.js';
import type { Policy } from './policy.js';

type Table = Record<string, unknown>;
const MAX_EXTENDS = 8;
const MAX_POLICY_BYTES = 4 * 1024 * 1024;

export interface LoadPolicyOptions {
  /** For `extends` URLs; a default client when absent. */
  http?: HttpClient;
}

/** Reads the policy at `path`; a file named pyproject.toml is read through its [tool.pyvouch] table. */
export async function loadPolicy(path: string, options: LoadPolicyOptions = {}): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PyvouchError('IO', code === 'ENOENT' ? `no policy file at ${path}` : `cannot read the policy ${path}: ${String(err)}`, {
      file: path,
      help: 'pass the policy with --policy PATH, or write a pyvouch.toml (see docs/policy.md)',
      cause: err,
    });
  }
  return policyFromText(text, path, basename(path) === 'pyproject.toml', options);
}

/**
 * Finds the policy of a project directory: pyvouch.toml first, else a pyproject.toml that has a
 * [tool.pyvouch] table. Undefined when there is neither.
 */
export async function findPolicy(dir: string, options: LoadPolicyOptions = {}): Promise<Policy | undefined> {
  const own = join(dir, 'pyvouch.toml');
  const ownText = await readIfPresent(own);
  if (ownText !== undefined) return policyFromText(ownText, own, false, options);
  const pyproject = join(dir, 'pyproject.toml');
  const text = await readIfPresent(pyproject);
  // Only a pyproject.toml that mentions the table is a policy; any other is someone else's file.
  if (text === undefined || !/^\s*\[+\s*tool\s*\.\s*pyvouch\b/m.test(text)) return undefined;
  return policyFromText(text, pyproject, true, options);
}

/** A policy without `extends` parses as before (with line numbers); one with it is merged first. */
async function policyFromText(text: string, file: string, pyproject: boolean, options: LoadPolicyOptions): Promise<Policy> {
  if (!/^\s*extends\s*=/m.test(text)) return parsePolicyToml(text, { file, pyproject });
  const doc = policyTable(text, file, pyproject);
  if (extendsOf(doc) === undefined) return parsePolicyToml(text, { file, pyproject });
  const chain: string[] = [];
  const merged = await resolveExtends(doc, file, [file], chain, options);
  const policy = parsePolicy(merged, { file });
  policy.extendsFrom = chain;
  return policy;
}

async function resolveExtends(doc: Table, from: string, seen: string[], chain: string[], options: LoadPolicyOptions): Promise<Table> {
  const ext = extendsOf(doc);
  const { extends: _dropped, ...own } = doc;
  void _dropped;
  if (ext === undefined) return own;
  if (typeof ext === 'object') throw new PyvouchError('POLICY_EXTENDS', `extends in ${from}: ${ext.error}`, { file: from, path: 'extends', help: 'write extends = "../org/pyvouch.toml" or "https://…/pyvouch.toml"' });
  if (seen.length > MAX_EXTENDS) throw new PyvouchError('POLICY_EXTENDS', `the extends chain of ${seen[0]!} is longer than ${MAX_EXTENDS}`, { file: from, path: 'extends' });
  const target = locate(ext, from);
  if (seen.includes(target)) throw new PyvouchError('POLICY_EXTENDS', `extends cycle: ${[...seen, target].join(' -> ')}`, { file: from, path: 'extends', help: 'a policy cannot extend itself' });
  const text = await fetchPolicyText(target, from, options);
  const baseDoc = policyTable(text, target, target.endsWith('pyproject.toml'));
  chain.push(target);
  const base = await resolveExtends(baseDoc, target, [...seen, target], chain, options);
  return mergePolicyDocuments(base, own);
}

function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/** Where `ext` points from the policy `from`: relative paths from its directory, relative URLs from its URL. */
function locate(ext: string, from: string): string {
  if (isUrl(from)) {
    const u = new URL(ext, from);
    checkUrl(u.href, from);
    return u.href;
  }
  if (isUrl(ext)) {
    checkUrl(ext, from);
    return new URL(ext).href;
  }
  return resolve(dirname(from), ext);
}

function checkUrl(url: string, from: string): void {
  const u = new URL(url);
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  // A policy decides what is trusted: only https (plain http on loopback, for local mirrors and tests).
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new PyvouchError('POLICY_EXTENDS', `extends in ${from} names '${url}', which is not an https URL`, { file: from, path: 'extends', help: 'serve the base policy over https' });
  }
}

async function fetchPolicyText(target: string, from: string, options: LoadPolicyOptions): Promise<string> {
  if (!isUrl(target)) {
    try {
      return await readFile(target, 'utf8');
    } catch (err) {
      throw new PyvouchError('POLICY_EXTENDS', `the policy ${from} extends ${target}, which cannot be read: ${(err as Error).message}`, {
        file: from,
        path: 'extends',
        help: 'fix the path (relative paths start from the extending file\'s directory)',
        cause: err,
      });
    }
  }
  const http = options.http ?? new HttpClient({ retries: 1, timeoutMs: 15_000 });
  let res;
  try {
    res = await http.get(target, { what: 'base policy', maxBytes: MAX_POLICY_BYTES });
  } catch (err) {
    throw new PyvouchError('POLICY_EXTENDS', `the policy ${from} extends ${target}, which is unreachable: ${(err as Error).message}`, {
      file: from,
      path: 'extends',
      help: 'the base policy must be reachable: without it the policy is incomplete, so nothing is trusted',
      cause: err,
    });
  }
  if (res.status !== 200) {
    throw new PyvouchError('POLICY_EXTENDS', `the policy ${from} extends ${target}, which answered HTTP ${res.status}`, {
      file: from,
      path: 'extends',
      help: 'the base policy must be reachable: without it the policy is incomplete, so nothing is trusted',
    });
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(res.body);
}

function policyTable(text: string, file: string, pyproject: boolean): Table {
  return policyTableOf(text, { file, pyproject }).table;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PyvouchError('IO', `cannot read ${path}: ${String(err)}`, { file: path, cause: err });
  }
}
