// Key files: an identity's Ed25519 private key (PKCS#8 PEM) with a small JSON header, kept under
// <config dir>/keys/ readable by its owner only. The one module in attest/ that does I/O; the caller
// resolves the config dir (PYVOUCH_HOME or XDG).

import { createPrivateKey } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PyvouchError } from '../errors.js';
import { identityFromPrivateKey, type Identity } from './keys.js';
import { isObject } from './problems.js';

export const KEY_FILE_FORMAT = 'pyvouch-key';
export const DEFAULT_KEY_NAME = 'default';

/** What a key file holds besides the key; `did` lets a reader check the key is the one meant. */
export interface KeyFileHeader {
  format: typeof KEY_FILE_FORMAT;
  version: 1;
  did: string;
  name?: string;
  contact?: string;
  /** RFC 3339 time the key was written. */
  created: string;
}

export interface LoadedIdentity extends Identity {
  created: string;
  /** The file it was read from. */
  path: string;
}

export function keyFilePath(configDir: string, keyName: string = DEFAULT_KEY_NAME): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(keyName)) {
    throw new PyvouchError('USAGE', `'${keyName}' is not a usable key name (letters, digits, '.', '_', '-')`);
  }
  return join(configDir, 'keys', `${keyName}.json`);
}

/**
 * Writes `identity` to <configDir>/keys/<keyName>.json (mode 0600, directory 0700) and returns the
 * path. Never overwrites: replacing a key silently would orphan every statement signed with it.
 */
export async function writeKeyFile(
  configDir: string,
  identity: Identity,
  options: { keyName?: string; created?: Date } = {},
): Promise<string> {
  const path = keyFilePath(configDir, options.keyName);
  const keysDir = join(configDir, 'keys');
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  // mkdir's mode does not apply to a directory that already existed; keys/ is ours to tighten.
  if (process.platform !== 'win32') await chmod(keysDir, 0o700);

  const header: KeyFileHeader = {
    format: KEY_FILE_FORMAT,
    version: 1,
    did: identity.did,
    ...(identity.name === undefined ? {} : { name: identity.name }),
    ...(identity.contact === undefined ? {} : { contact: identity.contact }),
    created: (options.created ?? new Date()).toISOString(),
  };
  const privateKey = identity.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const text = JSON.stringify({ ...header, privateKey }, null, 2) + '\n';

  let handle;
  try {
    // 'wx' is O_CREAT|O_EXCL: the refusal to overwrite holds even against a racing writer.
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PyvouchError('KEY_EXISTS', `a key already exists at ${path}; pyvouch never overwrites a key`, {
        file: path,
        help:
          'use the existing key (`pyvouch key show`), choose another key name, ' +
          'or move the file away first if you really mean to replace it',
      });
    }
    throw new PyvouchError('IO', `cannot create ${path}: ${(err as Error).message}`, { file: path, cause: err });
  }
  try {
    // open()'s mode passes through the umask; set exactly the documented 0600 whatever the umask.
    await handle.chmod(0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw new PyvouchError('IO', `cannot write ${path}: ${(err as Error).message}`, { file: path, cause: err });
  }
  await handle.close();
  return path;
}

/** Reads a key file and checks that its key is the identity its header names. */
export async function readKeyFile(path: string): Promise<LoadedIdentity> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PyvouchError('KEY_MISSING', `no key file at ${path}`, {
        file: path,
        help: 'run `pyvouch key new` to create your signing key',
      });
    }
    throw new PyvouchError('IO', `cannot read ${path}: ${(err as Error).message}`, { file: path, cause: err });
  }
  const invalid = (why: string, help?: string): PyvouchError =>
    new PyvouchError('KEY_INVALID', `${path} is not a usable pyvouch key: ${why}`, {
      file: path,
      help: help ?? 'restore the file from a backup, or create a new key with `pyvouch key new`',
    });

  if (process.platform !== 'win32') {
    const mode = (await stat(path)).mode & 0o777;
    // As ssh does: a private key others can read may already be someone else's too.
    if ((mode & 0o077) !== 0) {
      throw invalid(`it is readable by others (mode ${mode.toString(8).padStart(4, '0')})`, `run \`chmod 600 ${path}\``);
    }
  }

  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  if (!isObject(data) || data.format !== KEY_FILE_FORMAT || data.version !== 1) {
    throw invalid(`expected a "${KEY_FILE_FORMAT}" version 1 file`);
  }
  for (const field of ['did', 'created', 'privateKey'] as const) {
    if (typeof data[field] !== 'string') throw invalid(`the field "${field}" is missing`);
  }
  for (const field of ['name', 'contact'] as const) {
    if (data[field] !== undefined && typeof data[field] !== 'string') throw invalid(`the field "${field}" is not a string`);
  }
  let identity: Identity;
  try {
    const key = createPrivateKey({ key: data.privateKey as string, format: 'pem' });
    identity = identityFromPrivateKey(key, {
      ...(typeof data.name === 'string' ? { name: data.name } : {}),
      ...(typeof data.contact === 'string' ? { contact: data.contact } : {}),
    });
  } catch (err) {
    throw invalid(`the private key cannot be read as Ed25519 PKCS#8 (${(err as Error).message})`);
  }
  if (identity.did !== data.did) {
    throw invalid(`its key belongs to ${identity.did}, but the file says ${String(data.did)}`);
  }
  return { ...identity, created: data.created as string, path };
}

/** The key `pyvouch` signs with unless told otherwise: <configDir>/keys/default.json. */
export async function loadDefaultKey(configDir: string): Promise<LoadedIdentity> {
  return readKeyFile(keyFilePath(configDir));
}
