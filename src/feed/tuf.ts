// TUF building blocks for statement feeds (The Update Framework spec 1.0): Ed25519 keys as TUF
// `Key`s with their keyid computed from the key itself, signing of @tufjs/models metadata with
// node:crypto, expiry durations, and the repository layout both publisher and follower share.
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { Key, Signature, type Metadata, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { PyvouchError } from '../errors.js';
import { rawPublicKey } from '../attest/keys.js';
import { canonicalJson } from '../attest/canonical.js';

export const SPEC_VERSION = '1.0.31';
export const TOP_LEVEL_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof TOP_LEVEL_ROLES)[number];
/** The index target: lists the statement batches (and the feed's name and description). */
export const INDEX_TARGET = 'index.json';
/** Statement batches: `statements/NNNNNN.jsonl`, one DSSE envelope per line. */
export const BATCH_DIR = 'statements';

export function isRoleName(value: string): value is RoleName {
  return (TOP_LEVEL_ROLES as readonly string[]).includes(value);
}

/**
 * The TUF form of an Ed25519 public key. Its keyid is the sha256 of the key's canonical JSON
 * (spec §4.2), computed here and never taken from a file: a keyid is only a name for the key.
 */
export function tufKey(publicKey: KeyObject): Key {
  const keyVal = { public: Buffer.from(rawPublicKey(publicKey)).toString('hex') };
  const body = { keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal };
  return new Key({ keyID: keyIdOf(body), keyType: 'ed25519', scheme: 'ed25519', keyVal: keyVal });
}

export function keyIdOf(keyJson: unknown): string {
  return createHash('sha256').update(canonicalJson(keyJson)).digest('hex');
}

export function tufKeyOfPrivate(privateKey: KeyObject): Key {
  return tufKey(createPublicKey(privateKey));
}

type AnyMetadata = Metadata<Root> | Metadata<Targets> | Metadata<Snapshot> | Metadata<Timestamp>;

/** Adds one Ed25519 signature over the canonical signed bytes (what @tufjs/models verifies). */
export function signMetadata(metadata: AnyMetadata, privateKey: KeyObject): void {
  const keyID = tufKeyOfPrivate(privateKey).keyID;
  metadata.sign((bytes: Buffer) => new Signature({ keyID, sig: sign(null, bytes, privateKey).toString('hex') }), true);
}

/** The metadata file exactly as it is published: JSON with the signatures as an array. */
export function metadataBytes(metadata: AnyMetadata): Buffer {
  return Buffer.from(JSON.stringify(metadata.toJSON(), null, 1) + '\n');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 };

/** `30m`, `12h`, `1d`, `2w`, `1y` → seconds; USAGE naming the option otherwise. */
export function parseDuration(text: string, option: string): number {
  const m = /^\s*(\d+)\s*([smhdwy])\s*$/.exec(text);
  if (m === null || Number(m[1]) <= 0) {
    throw new PyvouchError('USAGE', `${option}: expected a duration such as 30m, 12h, 1d, 2w or 1y, got '${text}'`);
  }
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** TUF `expires`: RFC 3339 in UTC without fractions (the form the spec's examples use). */
export function expiresAt(now: Date, seconds: number): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A fingerprint for a root: the sorted keyids of its root role, each recomputed from the key it
 * names, joined by commas and hashed. What the registry pins, so a mirror cannot swap the root.
 */
export function rootFingerprint(root: Root): string {
  const role = root.roles['root'];
  if (role === undefined) throw new PyvouchError('FEED_INVALID', 'the root metadata has no root role');
  const ids = role.keyIDs.map((id) => {
    const key = root.keys[id];
    if (key === undefined) throw new PyvouchError('FEED_INVALID', `the root role names key ${id}, which root.keys does not hold`);
    return keyIdOf(key.toJSON());
  });
  return `sha256:${sha256Hex(Buffer.from([...new Set(ids)].sort().join(',')))}`;
}

/**
 * Refuses a root that could count one key twice toward a threshold: a key listed under two keyids
 * (each keyid must be the hash of its own key), or a keyid listed twice in a role.
 */
export function checkRootKeys(root: Root, file: string): void {
  for (const [id, key] of Object.entries(root.keys)) {
    const actual = keyIdOf(key.toJSON());
    if (actual !== id) {
      throw new PyvouchError('FEED_INVALID', `root.keys lists a key under keyid ${id}, but that key's keyid is ${actual}`, {
        file,
        path: `signed.keys.${id}`,
        help: 'a key listed under a second keyid could be counted twice toward a threshold; the feed publisher must fix its root',
      });
    }
  }
  for (const [name, role] of Object.entries(root.roles)) {
    if (new Set(role.keyIDs).size !== role.keyIDs.length) {
      throw new PyvouchError('FEED_INVALID', `the ${name} role lists a keyid twice`, { file, path: `signed.roles.${name}.keyids` });
    }
    if (role.threshold < 1) {
      throw new PyvouchError('FEED_INVALID', `the ${name} role has threshold ${role.threshold}`, { file, path: `signed.roles.${name}.threshold` });
    }
  }
}
