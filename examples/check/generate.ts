// Regenerates the bundled `pyvouch check` example: signed statements about the packages of
// examples/uv/uv.lock by five example identities, and the policy that weighs them.
//
//   node --import tsx examples/check/generate.ts
//
// The example keys are derived from public seeds so the output is reproducible. They are EXAMPLE
// keys: anyone can sign as these identities, so never trust them in a real policy.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { identityFromPrivateKey, privateKeyFromSeed } from '../../src/attest/keys.js';
import { buildStatement, signStatement, type StatementInput } from '../../src/attest/statement.js';
import { resolveArtifacts } from '../../src/cli/statements.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const lock = join(here, '..', 'uv', 'uv.lock');

const identity = (name: string) =>
  identityFromPrivateKey(privateKeyFromSeed(createHash('sha256').update(`pyvouch example key: ${name}`).digest()), { name });
const curator = identity('Example Curators');
const alice = identity('Alice (internal)');
const bob = identity('Bob (internal)');
const carol = identity('Carol (internal)');

type Signer = ReturnType<typeof identity>;
const statements: { file: string; envelope: unknown }[] = [];
let day = 1;
function sign(signer: Signer, input: Omit<StatementInput, 'agent' | 'startTime'>, label: string): void {
  const statement = buildStatement({
    ...input,
    agent: { did: signer.did, ...(signer.name === undefined ? {} : { name: signer.name }) },
    // Fixed times keep the output byte-for-byte reproducible.
    startTime: `2026-10-${String(day++).padStart(2, '0')}T09:00:00Z`,
  });
  const slug = signer.name!.split(' ')[0]!.toLowerCase();
  statements.push({ file: `${label}.${slug}.json`, envelope: signStatement(statement, signer) });
}

const pkg = (name: string, version: string) => ({
  package: { name, version },
  artifacts: resolveArtifacts({ name, version }, { lock }),
});
const audit = (signer: Signer, name: string, version: string, why: string): void =>
  sign(signer, { kind: 'assess', ...pkg(name, version), criteria: ['safe-to-deploy'], description: why }, `${name}-${version}`);
const review = (signer: Signer, name: string, version: string, why: string): void =>
  sign(signer, { kind: 'review', ...pkg(name, version), criteria: ['safe-to-deploy'], rating: 'positive', description: why }, `${name}-${version}`);

// Fully vouched for: the curators' audit plus two internal reviews (0.5 + 1.0 + 2 × 2.0 = 5.5).
for (const [name, version] of [
  ['requests', '2.33.0'],
  ['certifi', '2024.12.14'],
  ['idna', '3.15'],
  ['charset-normalizer', '3.4.1'],
  ['click', '8.4.2'],
  ['markupsafe', '3.0.3'],
  ['jinja2', '3.1.6'],
] as const) {
  audit(curator, name, version, `Curated: maintainers known, release built by the project's CI, no install-time code.`);
  review(alice, name, version, `Read the diff against the previous release; no network or subprocess calls added.`);
  review(bob, name, version, `Second reader: packaging metadata and entry points checked.`);
}

// One internal reviewer short: 0.5 + 1.0 + 2.0 = 3.5 of 5.5, so `check` fails and `suggest` names
// the one review that would close the gap.
audit(curator, 'urllib3', '2.7.0', 'Curated: maintainers known, trusted publisher on PyPI.');
review(carol, 'urllib3', '2.7.0', 'Reviewed the new HTTP/2 code path; no surprises.');

const out = join(here, 'statements');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const s of statements) writeFileSync(join(out, s.file), `${JSON.stringify(s.envelope, null, 2)}\n`);

const policy = `# The policy of the bundled example (examples/check). The parties and weights are the ones
# pyvouch's seed describes: the index 0.5, a curator 1.0, each internal reviewer 2.0, threshold 5.5.
# The identities are EXAMPLE keys derived from public seeds (examples/check/generate.ts).

[policy]
threshold = 5.5
criteria = "safe-to-deploy"

[[party]]
name = "pypi"
index = "https://pypi.org/simple"   # vouches for artifacts the lock file takes from this index
weight = 0.5

[[party]]
name = "curator"
identity = "${curator.did}"   # ${curator.name}
weight = 1.0

[[party]]
name = "internal"
identities = [
  "${alice.did}",   # ${alice.name}
  "${bob.did}",   # ${bob.name}
  "${carol.did}",   # ${carol.name}
]
weight = 2.0                        # per member: two internal reviews add 4.0

[[exemption]]
name = "pyyaml"
version = "6.0.3"
reason = "C extension under review by the platform team (ticket SEC-142); accepted until then"
expires = "2030-01-01"
`;
writeFileSync(join(here, 'pyvouch.toml'), policy);
console.log(`wrote ${statements.length} statements to ${out} and the policy to ${join(here, 'pyvouch.toml')}`);
