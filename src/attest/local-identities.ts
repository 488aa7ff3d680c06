// pyvouch's own signing identities (Ed25519 did:keys) on this machine, created on first use under
// the config directory (PYVOUCH_HOME), mode 0600 and never overwritten: the local identity signs
// the findings pyvouch makes itself (publisher pinning), the scanner identity its scanners' flags.
import { generateIdentity } from './keys.js';
import { keyFilePath, readKeyFile, writeKeyFile, type LoadedIdentity } from './keyfile.js';
import { isPyvouchError } from '../errors.js';

export const LOCAL_KEY_NAME = 'pyvouch-local';
export const LOCAL_IDENTITY_NAME = 'pyvouch (this machine)';
export const SCANNER_KEY_NAME = 'scanner';
export const SCANNER_DISPLAY_NAME = 'pyvouch scanner (local)';

/** The key `keyName` under `configDir`, created with `displayName` the first time it is needed. */
export async function loadOrCreateKey(configDir: string, keyName: string, displayName: string): Promise<LoadedIdentity> {
  const path = keyFilePath(configDir, keyName);
  try {
    return await readKeyFile(path);
  } catch (err) {
    if (!isPyvouchError(err) || err.code !== 'KEY_MISSING') throw err;
  }
  try {
    await writeKeyFile(configDir, generateIdentity({ name: displayName }), { keyName });
  } catch (err) {
    // Another pyvouch process created it between our read and write: use theirs.
    if (!isPyvouchError(err) || err.code !== 'KEY_EXISTS') throw err;
  }
  return readKeyFile(path);
}

/** The local identity (publisher pinning's findings). */
export function localIdentity(configDir: string): Promise<LoadedIdentity> {
  return loadOrCreateKey(configDir, LOCAL_KEY_NAME, LOCAL_IDENTITY_NAME);
}

/** The scanner's identity (its findings' flag statements). */
export function loadScannerIdentity(configDir: string): Promise<LoadedIdentity> {
  return loadOrCreateKey(configDir, SCANNER_KEY_NAME, SCANNER_DISPLAY_NAME);
}
