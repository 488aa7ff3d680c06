// Where publisher pins live: a small interface, and one JSON file under the data directory
// (PYVOUCH_HOME) written atomically. Acceptances are checked against their signatures on load,
// so an edited file cannot accept a publisher on anyone's behalf.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { signEnvelope, verifyEnvelope } from '../attest/dsse.js';
import { verificationKeyForDid } from '../attest/keys.js';
import { isObject } from '../attest/problems.js';
import type { Envelope } from '../attest/types.js';
import { canonicalizeName } from '../pep/name.js';
import { PyvouchError } from '../errors.js';
import type { KeyObject } from 'node:crypto';
import type { ProjectPins, PublisherAcceptance } from './pinning.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export interface PinStore {
  load(project: string): Promise<ProjectPins | undefined>;
  save(pins: ProjectPins): Promise<void>;
}

export const ACCEPTANCE_PAYLOAD_TYPE = 'application/vnd.pyvouch.accept-publisher+json';
const ACCEPTANCE_TYPE = 'https://pyvouch.dev/accept-publisher/v1';

/** Signs an acceptance of `publisher` for `project` as `signer`. */
export function signAcceptance(project: string, publisher: string, signer: { did: string; privateKey: KeyObject }, at: string): PublisherAcceptance {
  const name = canonicalizeName(project);
  const payload = Buffer.from(JSON.stringify({ _type: ACCEPTANCE_TYPE, project: name, publisher, by: signer.did, at }));
  const envelope = signEnvelope(payload, ACCEPTANCE_PAYLOAD_TYPE, signer.privateKey, signer.did);
  return { project: name, publisher, by: signer.did, at, envelope };
}

/** The acceptance an envelope carries, if its signature verifies under the did it names. */
export function checkAcceptance(envelope: Envelope): PublisherAcceptance {
  const bad = (why: string): never => {
    throw new PyvouchError('PINNING_STATE', `a publisher acceptance does not verify: ${why}`, {
      help: 'restore the pins file from a backup, or delete it and record the acceptance again with `pyvouch accept-publisher`',
    });
  };
  if (envelope.payloadType !== ACCEPTANCE_PAYLOAD_TYPE) bad(`payload type '${envelope.payloadType}'`);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  } catch {
    return bad('payload is not JSON');
  }
  if (!isObject(body) || body['_type'] !== ACCEPTANCE_TYPE) return bad('not an acceptance');
  const { project, publisher, by, at } = body;
  if (typeof project !== 'string' || typeof publisher !== 'string' || typeof by !== 'string' || typeof at !== 'string') return bad('missing fields');
  try {
    verifyEnvelope(envelope, verificationKeyForDid(by));
  } catch {
    return bad(`the signature is not ${by}'s`);
  }
  return { project, publisher, by, at, envelope };
}

/** All projects' pins in one JSON file. */
export class FilePinStore implements PinStore {
  constructor(readonly path: string) {}

  static inDataDir(dataDir: string): FilePinStore {
    return new FilePinStore(join(dataDir, 'publisher-pins.json'));
  }

  private async readAll(): Promise<Record<string, ProjectPins>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new PyvouchError('IO', `cannot read ${this.path}: ${(err as Error).message}`, { file: this.path, cause: err });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new PyvouchError('PINNING_STATE', `not JSON: ${(err as Error).message}`, { file: this.path, cause: err });
    }
    if (!isObject(value) || value['format'] !== 'pyvouch-publisher-pins' || !isObject(value['projects'])) {
      throw new PyvouchError('PINNING_STATE', 'not a pyvouch publisher pins file', { file: this.path });
    }
    return value['projects'] as Record<string, ProjectPins>;
  }

  async load(project: string): Promise<ProjectPins | undefined> {
    const pins = (await this.readAll())[canonicalizeName(project)];
    if (pins === undefined) return undefined;
    if (!Array.isArray(pins.publishers) || !Array.isArray(pins.acceptances)) {
      throw new PyvouchError('PINNING_STATE', `malformed pins for ${project}`, { file: this.path });
    }
    const acceptances = pins.acceptances.map((a) => {
      const checked = checkAcceptance(a.envelope);
      if (checked.project !== pins.project || checked.publisher !== a.publisher || checked.by !== a.by) {
        throw new PyvouchError('PINNING_STATE', `an acceptance for ${project} does not match its signed content`, { file: this.path });
      }
      return checked;
    });
    return { ...pins, acceptances };
  }

  async save(pins: ProjectPins): Promise<void> {
    const all = await this.readAll();
    all[pins.project] = pins;
    await mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, `${JSON.stringify({ format: 'pyvouch-publisher-pins', version: 1, projects: all }, null, 2)}\n`, { mode: 0o600 });
  }
}

/** An in-memory PinStore (tests, and callers that keep state elsewhere). */
export class MemoryPinStore implements PinStore {
  readonly projects = new Map<string, ProjectPins>();
  async load(project: string): Promise<ProjectPins | undefined> {
    return this.projects.get(canonicalizeName(project));
  }
  async save(pins: ProjectPins): Promise<void> {
    this.projects.set(pins.project, structuredClone(pins));
  }
}
