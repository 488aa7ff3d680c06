// Sigstore's trusted root (the public `trusted_root.json`: Fulcio CAs, Rekor and CT log keys, each
// with its validity window), loaded for @sigstore/verify. pyvouch ships one beside this module;
// `--trusted-root FILE` replaces it. No network: nothing here refreshes it over TUF.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { PyvouchError } from '../errors.js';
import { isObject } from '../attest/problems.js';

/** The shipped copy; the build copies it next to the compiled module (scripts/copy-assets.mjs). */
export const SHIPPED_TRUSTED_ROOT = fileURLToPath(new URL('./trusted_root.json', import.meta.url));

export interface ProvenanceTrust {
  /** The root as given: CA, log and key validity windows honoured. */
  material: TrustMaterial;
  /**
   * The same root with every CA's window opened. Used only to explain a failure: a certificate
   * that chains here but not under `material` was issued outside its CA's validity window.
   */
  unwindowed: TrustMaterial;
  /** Where it came from, for messages. */
  source: string;
}

const MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.trustedroot(\.v0\.[12])?\+json(;version=0\.[12])?$/;

/** Loads a trusted root from its JSON value; TRUSTED_ROOT_INVALID when it is not one. */
export function loadTrustedRoot(value: unknown, source: string): ProvenanceTrust {
  const fail = (message: string, cause?: unknown): never => {
    throw new PyvouchError('TRUSTED_ROOT_INVALID', message, {
      file: source,
      help: 'pass Sigstore\'s trusted_root.json (as `sigstore-python` or `cosign trusted-root` writes it) with --trusted-root',
      ...(cause === undefined ? {} : { cause }),
    });
  };
  if (!isObject(value)) return fail('expected a Sigstore trusted root object');
  if (typeof value['mediaType'] !== 'string' || !MEDIA_TYPE.test(value['mediaType'])) {
    return fail(`unexpected mediaType ${JSON.stringify(value['mediaType'])}; expected application/vnd.dev.sigstore.trustedroot+json;version=0.1`);
  }
  for (const key of ['certificateAuthorities', 'tlogs', 'ctlogs'] as const) {
    if (!Array.isArray(value[key])) fail(`expected "${key}" to be a list`);
  }
  let root: TrustedRoot;
  let material: TrustMaterial;
  try {
    root = TrustedRoot.fromJSON(value);
    material = toTrustMaterial(root);
  } catch (err) {
    return fail(`cannot read the trusted root: ${(err as Error).message}`, err);
  }
  if (material.certificateAuthorities.length === 0) fail('the trusted root has no certificate authority');
  if (material.tlogs.length === 0) fail('the trusted root has no transparency log');
  const open = { start: new Date(0), end: new Date(8640000000000000) };
  const unwindowed: TrustMaterial = {
    ...material,
    certificateAuthorities: material.certificateAuthorities.map((ca) => ({ ...ca, validFor: open })),
  };
  return { material, unwindowed, source };
}

/** Reads and loads a trusted root file. */
export function readTrustedRootFile(path: string): ProvenanceTrust {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PyvouchError('IO', `cannot read trusted root ${path}: ${(err as Error).message}`, { file: path, cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PyvouchError('TRUSTED_ROOT_INVALID', `not JSON: ${(err as Error).message}`, { file: path, cause: err });
  }
  return loadTrustedRoot(value, path);
}

let shipped: ProvenanceTrust | undefined;

/** The trusted root pyvouch ships (read once). */
export function shippedTrustedRoot(): ProvenanceTrust {
  shipped ??= readTrustedRootFile(SHIPPED_TRUSTED_ROOT);
  return shipped;
}
