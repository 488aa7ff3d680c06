// The parsers the fuzzer drives, each with its seeds (from test/corpora and test/fixtures) and a
// `grow` that makes an n-times larger input of the same shape, for the linear-time check.
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readSdistMetadata } from '../../src/artifact/sdist.js';
import { readWheelMetadata } from '../../src/artifact/wheel.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import { parseEnvelopeJson, verifyStatementEnvelope } from '../../src/attest/verify.js';
import { readPoetryLock } from '../../src/lock/poetry.js';
import { readPylock } from '../../src/lock/pylock.js';
import { readRequirements } from '../../src/lock/requirements.js';
import { readUvLock } from '../../src/lock/uvlock.js';
import { parseTarget } from '../../src/pep/environment.js';
import { parseSdistFilename, parseWheelFilename } from '../../src/pep/filename.js';
import { Marker } from '../../src/pep/marker.js';
import { parseCoreMetadata } from '../../src/pep/metadata.js';
import { Requirement } from '../../src/pep/requirement.js';
import { SpecifierSet } from '../../src/pep/specifier.js';
import { Version } from '../../src/pep/version.js';
import { parseSimpleHtml } from '../../src/simple/simple-html.js';
import { parseSimpleJson } from '../../src/simple/simple-json.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { buildTarGz, buildZip, coreMetadata } from '../artifact/archive-builders.js';
import { sampleInputs } from '../fixtures/attest/statements.js';

export interface FuzzTarget {
  name: string;
  seeds: string[];
  /** Longest input the mutator makes. */
  maxLength: number;
  run(input: string): unknown;
  /** An input n times the size of the seed's shape (n entries, n segments...). */
  grow(n: number): string;
}

const corpora = new URL('../corpora/', import.meta.url);
const fixtures = new URL('../fixtures/', import.meta.url);
const read = (base: URL, path: string): string => readFileSync(new URL(path, base), 'utf8');
const inputsOf = (file: string): string[] =>
  (JSON.parse(read(corpora, `packaging/${file}`)) as Array<{ input: string }>).map((c) => c.input).filter((s) => typeof s === 'string');
const dirTexts = (dir: string): string[] => {
  const url = new URL(dir, fixtures);
  // Files only, walking one level of subdirectories (fixtures are grouped per case).
  const out: string[] = [];
  for (const entry of readdirSync(url, { withFileTypes: true })) {
    const child = new URL(entry.name, `${url.href}/`);
    if (entry.isFile()) out.push(readFileSync(child, 'utf8'));
    else if (entry.isDirectory()) for (const f of readdirSync(child, { withFileTypes: true })) if (f.isFile()) out.push(readFileSync(new URL(f.name, `${child.href}/`), 'utf8'));
  }
  return out;
};
const linux = parseTarget({ python: '3.12', platform: 'linux' });
const alice = generateIdentity({ name: 'Alice' });
const envelopeSeed = JSON.stringify(signStatement(buildStatement(sampleInputs(alice, generateIdentity()).assess), alice));

const latin1 = (b: Buffer): string => b.toString('latin1');
const wheelZip = latin1(buildZip([
  { name: 'demo/__init__.py', data: 'x = 1\n' },
  { name: 'demo-1.0.dist-info/METADATA', data: coreMetadata('demo', '1.0', ['attrs>=1']) },
  { name: 'demo-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
]));
// The tar is fuzzed uncompressed (gzip would refuse nearly every mutation) and gzipped per run.
const sdistTar = latin1(gunzipSync(await buildTarGz([{ name: 'demo-1.0/PKG-INFO', data: coreMetadata('demo', '1.0', ['attrs'], [], '2.2') }])));
const { gzipSync } = await import('node:zlib');

export const targets: FuzzTarget[] = [
  { name: 'version', seeds: inputsOf('versions.json'), maxLength: 20_000, run: (s) => new Version(s), grow: (n) => `1${'.0'.repeat(n)}.post1.dev1+${'a.'.repeat(n)}b` },
  { name: 'specifier', seeds: inputsOf('specifiers.json'), maxLength: 20_000, run: (s) => new SpecifierSet(s), grow: (n) => Array.from({ length: n }, (_, i) => `!=1.${i}`).join(',') },
  { name: 'marker', seeds: inputsOf('markers.json'), maxLength: 20_000, run: (s) => new Marker(s).evaluate({ python_version: '3.12', os_name: 'posix', sys_platform: 'linux' }), grow: (n) => Array.from({ length: n }, () => 'os_name == "posix"').join(' and ') },
  { name: 'requirement', seeds: inputsOf('requirements.json'), maxLength: 20_000, run: (s) => new Requirement(s), grow: (n) => `foo[${Array.from({ length: n }, (_, i) => `e${i}`).join(',')}]>=1; python_version >= "3.8"` },
  {
    name: 'filename',
    seeds: inputsOf('filenames.json'),
    maxLength: 10_000,
    run: (s) => (s.endsWith('.whl') ? parseWheelFilename(s) : parseSdistFilename(s)),
    grow: (n) => `x-1.0-${Array.from({ length: n }, (_, i) => `t${i}`).join('.')}-none-any.whl`,
  },
  {
    name: 'requirements.txt',
    seeds: [read(corpora, 'locks/warehouse-main-requirements.txt'), ...dirTexts('lock/requirements').slice(0, 20)],
    maxLength: 400_000,
    run: (s) => readRequirements(s, '/p/requirements.txt', linux),
    grow: (n) => Array.from({ length: n }, (_, i) => `p${i}==1.0 --hash=sha256:${'a'.repeat(64)}\n    # via -r requirements.in`).join('\n'),
  },
  {
    name: 'uv.lock',
    seeds: [read(corpora, 'locks/pydantic-uv.lock'), ...dirTexts('lock/uv').slice(0, 20)],
    maxLength: 800_000,
    run: (s) => readUvLock(s, 'uv.lock', linux),
    grow: (n) => 'version = 1\n' + Array.from({ length: n }, (_, i) => `[[package]]\nname = "p${i}"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "q", marker = "bad" }]\n`).join('\n'),
  },
  {
    name: 'pylock.toml',
    seeds: [read(corpora, 'locks/pydantic-people-pylock.toml'), ...dirTexts('lock/pylock').slice(0, 20)],
    maxLength: 800_000,
    run: (s) => readPylock(s, 'pylock.toml', linux),
    grow: (n) => 'lock-version = "1.0"\ncreated-by = "x"\n' + Array.from({ length: n }, (_, i) => `[[packages]]\nname = "p${i}"\nversion = "bad ${i}"\n`).join('\n'),
  },
  {
    name: 'poetry.lock',
    seeds: [read(corpora, 'locks/poetry-poetry.lock'), ...dirTexts('lock/poetry').slice(0, 20)],
    maxLength: 800_000,
    run: (s) => readPoetryLock(s, 'poetry.lock', linux),
    grow: (n) => Array.from({ length: n }, (_, i) => `[[package]]\nname = "p${i}"\nversion = "bad ${i}"\npython-versions = "*"\nfiles = []\n`).join('\n') + '\n[metadata]\nlock-version = "2.0"\npython-versions = "*"\ncontent-hash = "0"\n',
  },
  {
    name: 'policy',
    seeds: dirTexts('policy'),
    maxLength: 200_000,
    run: (s) => parsePolicyToml(s, { file: 'pyvouch.toml' }),
    grow: (n) => '[policy]\nthreshold = 1\n' + Array.from({ length: n }, (_, i) => `[[party]]\nname = "p${i}"\nweight = "x"\n`).join('\n'),
  },
  {
    name: 'core metadata',
    seeds: dirTexts('metadata'),
    maxLength: 200_000,
    run: (s) => parseCoreMetadata(s),
    grow: (n) => `Metadata-Version: 2.2\nName: x\nVersion: 1\n${Array.from({ length: n }, (_, i) => `Requires-Dist: p${i}>=1; python_version >= "3"`).join('\n')}\n`,
  },
  {
    name: 'dsse envelope',
    seeds: [envelopeSeed],
    maxLength: 200_000,
    run: (s) => verifyStatementEnvelope(parseEnvelopeJson(s, 'statement.json')),
    grow: (n) => {
      const seed = JSON.parse(envelopeSeed) as { signatures: unknown[] };
      return JSON.stringify({ ...seed, signatures: Array.from({ length: n }, () => seed.signatures[0]) });
    },
  },
  {
    name: 'simple html',
    seeds: [`<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"><title>Links</title></head><body><a href="demo-1.0.tar.gz#sha256=${'a'.repeat(64)}" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=${'b'.repeat(64)}">demo-1.0.tar.gz</a><br/><!-- c --></body></html>`],
    maxLength: 400_000,
    run: (s) => parseSimpleHtml(s, 'https://pypi.org/simple/demo/', 'demo'),
    grow: (n) => Array.from({ length: n }, (_, i) => `<title>t</title><a href="demo-1.${i}.tar.gz">x</a>`).join('\n'),
  },
  {
    name: 'simple json',
    seeds: [JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files: [{ filename: 'demo-1.0.tar.gz', url: 'demo-1.0.tar.gz', hashes: { sha256: 'a'.repeat(64) }, 'requires-python': '>=3.8', yanked: false }], versions: ['1.0'] })],
    maxLength: 400_000,
    run: (s) => parseSimpleJson(s, 'https://pypi.org/simple/demo/', 'demo'),
    grow: (n) => JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files: Array.from({ length: n }, (_, i) => ({ filename: `demo-1.${i}.tar.gz`, url: `demo-1.${i}.tar.gz`, hashes: {} })) }),
  },
  {
    name: 'zip (wheel)',
    seeds: [wheelZip],
    maxLength: 100_000,
    run: (s) => readWheelMetadata(Buffer.from(s, 'latin1'), 'demo-1.0-py3-none-any.whl'),
    grow: (n) => latin1(buildZip([...Array.from({ length: n }, (_, i) => ({ name: `demo/m${i}.py`, data: 'x' })), { name: 'demo-1.0.dist-info/METADATA', data: coreMetadata('demo', '1.0') }])),
  },
  {
    name: 'tar (sdist)',
    seeds: [sdistTar],
    maxLength: 100_000,
    run: (s) => readSdistMetadata(gzipSync(Buffer.from(s, 'latin1')), 'demo-1.0.tar.gz'),
    grow: (n) => sdistTar.repeat(1) + '\0'.repeat(512 * n),
  },
];
