// PEP 740 verification throughput: attestations verified per second by src/provenance (Sigstore
// chain, SCT, Rekor promise and inclusion proof, DSSE signature, statement and publisher checks),
// next to node:crypto's raw ECDSA P-256 / P-384 and Ed25519 verify rates in the same run, so the
// ratio says how many raw verifies one attestation costs.
//   node --import tsx bench/provenance.ts [--seconds 2]
// Input: the real production-signed attestation of test/corpora/pep740 (pypi-attestations 0.0.19).
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import { attestationToBundle, parseProvenanceJson } from '../src/provenance/attestation.js';
import { shippedTrustedRoot } from '../src/provenance/trusted-root.js';
import { verifyProvenance } from '../src/provenance/verify.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
const budgetMs = Number(values.seconds) * 1000;
const dir = new URL('../test/corpora/pep740/', import.meta.url).pathname;
const filename = 'pypi_attestations-0.0.19.tar.gz';
const provenance = parseProvenanceJson(readFileSync(dir + `${filename}.provenance`, 'utf8'));
const sha256 = '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3';
const trust = shippedTrustedRoot();

/** Runs fn until the budget is spent (after a short warm-up); returns operations per second. */
function rate(fn: () => void): number {
  const warm = performance.now();
  while (performance.now() - warm < Math.min(200, budgetMs / 5)) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    now = performance.now();
  }
  return (n / (now - start)) * 1000;
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en');
console.log(`provenance benchmark; ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(1)}, ${values.seconds} s per measurement`);

const check = verifyProvenance({ filename, sha256 }, provenance, trust);
if (!check.verified) throw new Error(`the corpus attestation does not verify: ${check.detail}`);

const attestation = provenance.bundles[0]!.attestations[0]!;
const verifier = new Verifier(trust.material);
const full = rate(() => {
  if (!verifyProvenance({ filename, sha256 }, provenance, trust).verified) throw new Error('failed');
});
const sigstoreOnly = rate(() => verifier.verify(toSignedEntity(attestationToBundle(attestation))));

const message = Buffer.alloc(256, 7);
const peers: [string, number][] = [];
for (const [name, type, options, alg] of [
  ['ECDSA P-256 (SHA-256)', 'ec', { namedCurve: 'P-256' }, 'sha256'],
  ['ECDSA P-384 (SHA-384)', 'ec', { namedCurve: 'P-384' }, 'sha384'],
  ['Ed25519', 'ed25519', {}, null],
] as const) {
  const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
  const sig = sign(alg, message, privateKey);
  peers.push([name, rate(() => {
    if (!verify(alg, message, publicKey, sig)) throw new Error('bad');
  })]);
}

console.log(`  pyvouch verifyProvenance (whole check)     ${fmt(full).padStart(9)} attestations/s`);
console.log(`  @sigstore/verify Verifier.verify alone     ${fmt(sigstoreOnly).padStart(9)} attestations/s`);
for (const [name, r] of peers) {
  console.log(`  node:crypto raw ${name.padEnd(26)} ${fmt(r).padStart(9)} verifies/s  (${(r / full).toFixed(1)} raw verifies per attestation's time)`);
}
