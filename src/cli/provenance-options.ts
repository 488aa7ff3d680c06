// `--provenance DIR|index|URL` and `--trusted-root FILE` for check and serve: builds the PEP 740
// provenance source (src/app/provenance-source.ts) with publisher pinning under PYVOUCH_HOME.
import { statSync } from 'node:fs';
import { loadDefaultKey } from '../attest/keyfile.js';
import { indexProvenanceFinder, provenanceDirFinder, provenanceSource, type PinningOptions, type ProvenanceFinder } from '../app/provenance-source.js';
import type { StatementSource } from '../app/sources.js';
import { PyvouchError } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import { FilePinStore } from '../provenance/pin-store.js';
import { pinningSigner } from '../provenance/pinning-commands.js';
import { readTrustedRootFile, shippedTrustedRoot } from '../provenance/trusted-root.js';
import { isStatementParty, type Policy } from '../trust/policy.js';
import type { PyvouchDirs } from './paths.js';

export interface ProvenanceCliOptions {
  provenance?: string;
  trustedRoot?: string;
  pin?: boolean;
  index?: string[];
}

/**
 * Whose `accept-publisher` counts: the user's own key, and the policy's identity parties (the
 * policy in force at each call when given as a function: a server reloads it).
 */
export async function acceptanceSigners(dirs: PyvouchDirs, policy: Policy | (() => Policy)): Promise<(did: string) => boolean> {
  let own: string | undefined;
  try {
    own = (await loadDefaultKey(dirs.config)).did;
  } catch (err) {
    if (!(err instanceof PyvouchError) || err.code !== 'KEY_MISSING') throw err;
  }
  const inParties = (p: Policy, did: string): boolean => p.parties.some((party) => isStatementParty(party) && party.identities.includes(did));
  return (did) => did === own || inParties(typeof policy === 'function' ? policy() : policy, did);
}

/** `serve --provenance`: publisher pinning under PYVOUCH_HOME, as `check` keeps it (so `accept-publisher` lifts a finding in both). */
export async function servePinning(dirs: PyvouchDirs, policy: () => Policy): Promise<PinningOptions> {
  return { store: FilePinStore.inDataDir(dirs.data), signer: await pinningSigner(dirs), trusted: await acceptanceSigners(dirs, policy) };
}

/** Where `--provenance VALUE` looks: a directory, or an index (`index` = the first --index). */
async function finderFor(value: string, index: readonly string[] | undefined, defaultIndex: string): Promise<{ find: ProvenanceFinder; name: string }> {
  let isDir = false;
  try {
    isDir = statSync(value).isDirectory();
  } catch {
    isDir = false;
  }
  if (isDir) return { find: provenanceDirFinder(value), name: `--provenance ${value}` };
  const location = value === 'index' ? (index?.[0] ?? defaultIndex) : value;
  if (value === 'index' || /^(https?|file):\/\//i.test(value)) {
    const { openIndex } = await import('../simple/open.js');
    return { find: indexProvenanceFinder(openIndex(location)), name: `provenance from ${location}` };
  }
  throw new PyvouchError('USAGE', `--provenance '${value}' is neither a directory nor an index URL`, {
    file: value,
    help: 'pass a directory of <filename>.provenance files, an index URL, or `index` to use the --index one',
  });
}

/** The provenance source the options ask for, or undefined without --provenance. */
export async function provenanceSourceFromOptions(
  opts: ProvenanceCliOptions,
  graph: Graph,
  policy: Policy,
  now: Date,
  dirs: PyvouchDirs,
  defaultIndex: string,
): Promise<StatementSource | undefined> {
  if (opts.provenance === undefined) {
    if (opts.trustedRoot !== undefined) throw new PyvouchError('USAGE', '--trusted-root needs --provenance', { help: 'say where the provenance is: --provenance DIR or --provenance index' });
    return undefined;
  }
  const { find, name } = await finderFor(opts.provenance, opts.index, defaultIndex);
  const trust = opts.trustedRoot === undefined ? shippedTrustedRoot() : readTrustedRootFile(opts.trustedRoot);
  const pinning =
    opts.pin === false
      ? undefined
      : { store: FilePinStore.inDataDir(dirs.data), signer: await pinningSigner(dirs), trusted: await acceptanceSigners(dirs, policy) };
  return provenanceSource({ graph, find, trust, now, name, ...(pinning === undefined ? {} : { pinning }) });
}
