// The layering rules of issue #11: only src/app/ brings store and policy evaluation together. A file
// in src/cli/ or src/server/ that imports src/store/ and src/trust/evaluate, evaluates a policy, or
// reads statements from a store or envelope files has started gathering statements itself, the
// copy the application layer exists to prevent.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The repository-relative modules a file imports (static and dynamic). */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(root, resolve(dirname(file), s)).replace(/\.js$/, ''));
}

test('no file in src/cli or src/server imports the store and the policy evaluation together', () => {
  const offenders: string[] = [];
  for (const area of ['src/cli', 'src/server']) {
    for (const file of sourceFiles(join(root, area))) {
      const imports = importsOf(file);
      const store = imports.some((i) => i.startsWith('src/store/') && !i.startsWith('src/store/decisions'));
      // The evaluation's steps (src/trust/evaluation/) are the evaluation too.
      const evaluate = imports.some((i) => i === 'src/trust/evaluate' || i.startsWith('src/trust/evaluation/'));
      if (store && evaluate) offenders.push(relative(root, file));
    }
  }
  assert.deepEqual(offenders, [], 'these gather statements themselves: call src/app/ instead');
});

test('no file in src/cli or src/server evaluates a policy itself', () => {
  const offenders = ['src/cli', 'src/server'].flatMap((area) =>
    sourceFiles(join(root, area)).filter((file) => importsOf(file).includes('src/trust/evaluate')).map((file) => relative(root, file)),
  );
  assert.deepEqual(offenders, [], 'these evaluate a policy themselves: call a use case of src/app/ instead');
});

/** Calls that gather statements: a store's package and trust reads, and loading envelope files. */
const GATHERING = /\.(?:forPackages|trustStatements)\s*\(|\bloadEnvelopes\s*\(/;

test('only src/app gathers statements (no store reads of statements, no envelope loading, in src/cli or src/server)', () => {
  const offenders = ['src/cli', 'src/server'].flatMap((area) =>
    sourceFiles(join(root, area)).filter((file) => GATHERING.test(readFileSync(file, 'utf8'))).map((file) => relative(root, file)),
  );
  assert.deepEqual(offenders, [], 'these gather statements themselves: give src/app/ a StatementSource or a use case instead');
});

test('the gathering rule sees the calls it forbids (it is not vacuous)', () => {
  for (const call of ['await store.forPackages(names)', 'store.trustStatements()', 'loadEnvelopes(paths, { now })']) assert.match(call, GATHERING);
  assert.doesNotMatch('storeSource(store)', GATHERING);
});

test('the rule sees an offender (it is not vacuous)', () => {
  const file = join(root, 'src', 'cli', 'offender.ts');
  const text = "import { openStore } from '../store/open.js';\nconst { evaluatePolicy } = await import('../trust/evaluate.js');\n";
  const imports = importsOf(file, text);
  assert.deepEqual(imports, ['src/store/open', 'src/trust/evaluate']);
});

test('src/cli reaches the server only through serve.ts, and no module imports the server for a helper', () => {
  const offenders = sourceFiles(join(root, 'src/cli'))
    .filter((file) => !file.endsWith(join('src', 'cli', 'serve.ts')))
    .filter((file) => importsOf(file).some((i) => i.startsWith('src/server/')))
    .map((file) => relative(root, file));
  assert.deepEqual(offenders, [], 'these import the server: move what they need to src/app/, src/pep/ or src/graph/');
});

test('src/cli/serve.ts imports the scanner identity from its home, not the src/scan/identity re-export', () => {
  assert.ok(!importsOf(join(root, 'src/cli/serve.ts')).includes('src/scan/identity'));
});

/** A mention of the process's own streams: commands write through their Sink or currentIo(). */
const PROCESS_STREAMS = /\bprocess\.(?:stdout|stderr)\b/;

test('src/cli writes only through its sink: no process.stdout or process.stderr outside output.ts and the entry', () => {
  const allowed = new Set(['src/cli/output.ts']);
  const offenders = sourceFiles(join(root, 'src/cli'))
    .map((file) => relative(root, file))
    .filter((file) => !allowed.has(file))
    .filter((file) => PROCESS_STREAMS.test(readFileSync(join(root, file), 'utf8')));
  assert.deepEqual(offenders, [], 'these write to the process streams: use makeSink() or currentIo() from src/cli/output.ts');
});

test('the process-streams rule sees an offender (it is not vacuous)', () => {
  for (const text of ['process.stdout.write(x)', 'colorEnabled(process.stderr)', 'const s = process.stderr;']) assert.match(text, PROCESS_STREAMS);
  assert.doesNotMatch('currentIo().stdout(x)', PROCESS_STREAMS);
});
