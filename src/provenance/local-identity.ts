// pyvouch's own signing identity (an Ed25519 did:key), created on first use under the config
// directory (PYVOUCH_HOME): it signs the findings pyvouch makes itself, such as publisher pinning's.
import { generateIdentity } from '../attest/keys.js';
import { keyFilePath, readKeyFile, writeKeyFile, type LoadedIdentity } from '../attest/keyfile.js';
import { PyvouchError } from '../errors.js';

export const LOCAL_KEY_NAME = 'pyvouch-local';
export const LOCAL_IDENTITY_NAME = 'pyvouch (this machine)';

/** Loads the local identity, creating it (mode 0600) the first time. */
export async function localIdentity(configDir: string): Promise<LoadedIdentity> {
  const path = keyFilePath(configDir, LOCAL_KEY_NAME);
  try {
    return await readKeyFile(path);
  } catch (err) {
    if (!(err instanceof PyvouchError) || err.code !== 'KEY_MISSING') throw err;
  }
  try {
    await writeKeyFile(configDir, generateIdentity({ name: LOCAL_IDENTITY_NAME }), { keyName: LOCAL_KEY_NAME });
  } catch (err) {
    // Another process created it first: use theirs.
    if (!(err instanceof PyvouchError) || err.code !== 'KEY_EXISTS') throw err;
  }
  return readKeyFile(path);
}
