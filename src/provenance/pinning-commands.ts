// Publisher pinning as use cases for app/ and the CLI: judge a release against the pins, record
// it, and turn findings into `flag` statements signed by pyvouch's local identity (source
// `{ kind: 'scanner', name: 'publisher-pinning' }`); record a user's signed acceptance.
import { buildStatement, signStatement } from '../attest/statement.js';
import { verifyStatementEnvelope } from '../attest/verify.js';
import { loadDefaultKey, readKeyFile } from '../attest/keyfile.js';
import type { StoredStatement } from '../attest/types.js';
import type { PyvouchDirs } from '../cli/paths.js';
import { canonicalizeName } from '../pep/name.js';
import { PyvouchError } from '../errors.js';
import { localIdentity } from '../attest/local-identities.js';
import { FilePinStore, signAcceptance, type PinStore } from './pin-store.js';
import {
  addAcceptance,
  emptyPins,
  judgeRelease,
  pinsChanged,
  recordRelease,
  type PinningFinding,
  type PublisherAcceptance,
  type ReleaseProvenance,
} from './pinning.js';

export const PINNING_SOURCE = { kind: 'scanner', name: 'publisher-pinning' } as const;

/** A finding as a `flag` statement signed by `signer`, about the release's files. */
export function findingStatement(
  finding: PinningFinding,
  artifacts: readonly { filename: string; sha256: string }[],
  signer: { did: string; name?: string; privateKey: import('node:crypto').KeyObject },
  now: string,
): StoredStatement {
  const envelope = signStatement(
    buildStatement({
      kind: 'flag',
      agent: { did: signer.did, ...(signer.name === undefined ? {} : { name: signer.name }) },
      package: { name: finding.project, version: finding.version },
      artifacts: [...artifacts],
      finding: { kind: finding.kind, severity: 'high' },
      description: finding.message,
      startTime: now,
    }),
    signer,
  );
  const stored = verifyStatementEnvelope(envelope);
  return { ...stored, statement: { ...stored.statement, source: { ...PINNING_SOURCE }, receivedAt: now } };
}

export interface PinningCheck {
  store: PinStore;
  project: string;
  release: ReleaseProvenance;
  artifacts: readonly { filename: string; sha256: string }[];
  /** Signs the findings (pyvouch's local identity). */
  signer: { did: string; name?: string; privateKey: import('node:crypto').KeyObject };
  /** Whose acceptances count. */
  trusted: (did: string) => boolean;
  now?: string;
}

/** Judges a release against the pins, records it, and returns its findings as signed flags. */
export async function checkPublisherPinning(check: PinningCheck): Promise<{ findings: PinningFinding[]; statements: StoredStatement[] }> {
  const now = check.now ?? new Date().toISOString();
  const before = await check.store.load(check.project);
  const findings = judgeRelease(before, check.release, check.trusted);
  const after = recordRelease(before ?? emptyPins(check.project), check.release, now);
  // Only what changes the pins is written: a check that sees known publishers again writes nothing.
  if (pinsChanged(before, after)) await check.store.save(after);
  return { findings, statements: findings.map((f) => findingStatement(f, check.artifacts, check.signer, now)) };
}

/** The signer of pyvouch's own findings, created on first use under the config directory. */
export async function pinningSigner(dirs: PyvouchDirs) {
  return localIdentity(dirs.config);
}

/** `pyvouch accept-publisher`: signs and records the acceptance with the user's key. */
export async function acceptPublisher(dirs: PyvouchDirs, project: string, publisher: string, keyFile?: string, store?: PinStore): Promise<PublisherAcceptance> {
  const key = keyFile === undefined ? await loadDefaultKey(dirs.config) : await readKeyFile(keyFile);
  const pins = store ?? FilePinStore.inDataDir(dirs.data);
  const name = canonicalizeName(project, { validate: true });
  if (!/^(?:(?:github|gitlab|google|activestate):\S+|none)$/.test(publisher)) {
    throw new PyvouchError('USAGE', `'${publisher}' is not a publisher identity`, {
      help: 'name it as pyvouch shows it, e.g. --publisher github:pallets/flask (or --publisher none to accept releases without attestations)',
    });
  }
  const acceptance = signAcceptance(name, publisher, key, new Date().toISOString());
  await pins.save(addAcceptance((await pins.load(name)) ?? emptyPins(name), acceptance));
  return acceptance;
}
